// One model in Google's `Model` resource shape (WIRE.md §4), as the Gemini door lists the catalog and
// as upstream-sim lists its models. Pure.

export interface GeminiModelFacts {
  /** The id, without the `models/` prefix. */
  id: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  thinking?: boolean;
}

export function geminiModelResource(
  model: GeminiModelFacts,
  supportedGenerationMethods: readonly string[],
): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    name: `models/${model.id}`,
    version: model.version,
    displayName: model.displayName,
    description: model.description,
    inputTokenLimit: model.inputTokenLimit,
    outputTokenLimit: model.outputTokenLimit,
    supportedGenerationMethods: [...supportedGenerationMethods],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 1,
  };
  if (model.thinking) resource.thinking = true;
  return resource;
}
