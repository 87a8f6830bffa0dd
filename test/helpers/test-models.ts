// Complete catalog entries for a test's config `models:`, so a test names its own models instead of
// depending on the built-in catalog's (which follows the providers month by month).

/** The base entry with `fields` (lines `    key: value`) replacing the base lines of the same keys. */
function withFields(base: string, fields: string): string {
  const keys = new Set([...fields.matchAll(/^ {4}([A-Za-z]+):/gm)].map((match) => match[1]));
  const kept = base.split('\n').filter((line) => {
    const key = /^ {4}([A-Za-z]+):/.exec(line)?.[1];
    return key === undefined || !keys.has(key);
  });
  return `${kept.join('\n')}${fields}`;
}

/** A Gemini-wire image model entry, indented to sit under `models:`; `fields` override its lines. */
export function geminiTestModelYaml(id: string, fields = ''): string {
  return withFields(
    `  - id: ${id}
    family: gemini
    displayName: ${id}
    version: "1"
    status: stable
    inputTokenLimit: 65536
    outputTokenLimit: 65536
    thinking: false
    capabilities:
      aspectRatios: ["1:1", "16:9"]
      imageSizes: ["1K"]
      defaultImageSize: 1K
      maxInputImages: 4
      maxPayloadBytes: 20971520
      outputModalities: [TEXT, IMAGE]
      maxCandidateCount: 1
    pricing: { inputText: "0.50", inputImage: "0.50", outputText: "3", thoughts: "3", outputImage: "60" }
    inputImageTokens: 560
    imageTokens: { 1K: 1120 }
`,
    fields,
  );
}

/** An OpenAI Images model entry, indented to sit under `models:`; `fields` override its lines. */
export function openAiTestModelYaml(id: string, fields = ''): string {
  return withFields(
    `  - id: ${id}
    family: openai
    displayName: ${id}
    version: "1"
    status: stable
    inputTokenLimit: 32000
    outputTokenLimit: 8192
    thinking: false
    capabilities:
      aspectRatios: ["1:1"]
      imageSizes: [1K]
      defaultImageSize: 1K
      maxInputImages: 16
      maxPayloadBytes: 52428800
      outputModalities: [IMAGE]
      maxCandidateCount: 10
    pricing: { inputText: "5", inputImage: "8", outputText: "0", thoughts: "0", outputImage: "30" }
    inputImageTokens: 65
    imageTokens: { default: 4160 }
`,
    fields,
  );
}
