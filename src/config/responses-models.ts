// A channel's `responsesModels`: the text models its upstream serves on `/v1/responses`, relayed
// as-is by the Responses door (docs/openai-mapping.md, "Responses pass-through"), each billed at its
// published prices converted once to integer nano-USD per token.
import type { ModelCatalog } from '../catalog/catalog.js';
import { usdPerMillionToNanoPerToken } from '../catalog/prices.js';
import type { IssuePath } from '../catalog/describe-issue.js';
import type { ResponsesModelFileEntry } from './schema.js';
import type { ProviderType, ResponsesModelConfig } from './types.js';

/** Only OpenAI-wire upstreams have `/v1/responses`. */
const passThroughProviders: ReadonlySet<ProviderType> = new Set(['openai', 'openai-compatible']);

/** The schema already refused prices that do not convert exactly; 0 is never reached. */
function nano(decimal: string): number {
  return usdPerMillionToNanoPerToken(decimal) ?? 0;
}

export function buildResponsesModels(
  entries: readonly ResponsesModelFileEntry[] | undefined,
  provider: ProviderType,
  catalog: ModelCatalog,
  report: (path: IssuePath, message: string) => void,
): ResponsesModelConfig[] {
  if (entries === undefined) return [];
  if (!passThroughProviders.has(provider)) {
    report(
      ['responsesModels'],
      `only an openai or openai-compatible channel takes responsesModels, this one is ${provider}`,
    );
    return [];
  }
  const models: ResponsesModelConfig[] = [];
  entries.forEach((entry, index) => {
    // A catalog id is served by the canonical path, so listing it here would never take effect.
    if (catalog.resolve(entry.id) !== undefined) {
      report(['responsesModels', index, 'id'], `${entry.id} is a catalog image model, not a text model`);
      return;
    }
    if (models.some((model) => model.id === entry.id)) {
      report(['responsesModels', index, 'id'], `${entry.id} is listed twice`);
      return;
    }
    const input = nano(entry.inputUsdPerMillion);
    models.push({
      id: entry.id,
      pricing: {
        input,
        cachedInput:
          entry.cachedInputUsdPerMillion === undefined ? input : nano(entry.cachedInputUsdPerMillion),
        output: nano(entry.outputUsdPerMillion),
      },
      maxOutputTokens: entry.maxOutputTokens,
    });
  });
  return models;
}
