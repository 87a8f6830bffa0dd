// What each model family of the simulated providers does: Gemini token limits, image sizes, ratios
// and usage numbers (WIRE.md §4 and §8), and gpt-image's size/quality token table. Which ids exist is
// a separate question, answered by the model list (model-list.ts); a listed id takes its family's
// behaviour here.

export interface GeminiFamily {
  /** How a model list file names the family (`family: nano-banana-2`). */
  name: string;
  /**
   * An id that starts with one of these belongs to the family (its GA id, preview and dated variants);
   * the longest matching prefix wins. Data, so a new variant needs no code.
   */
  idPrefixes: readonly string[];
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  thinking: boolean;
  /** Output tokens billed per image, by imageSize; `default` when the model has no sizes. */
  imageTokens: Record<string, number>;
  aspectRatios: readonly string[];
  /** Tokens one input image costs in the prompt. */
  inputImageTokens: number;
}

/** One Gemini model as the simulator serves it: an id and its family's behaviour. */
export interface SimModel extends Omit<GeminiFamily, 'name' | 'idPrefixes'> {
  name: string;
  family: string;
}

const baseRatios = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const flash31Ratios = [...baseRatios, '1:4', '4:1', '1:8', '8:1'] as const;

export const geminiFamilies: readonly GeminiFamily[] = [
  {
    name: 'nano-banana-2',
    idPrefixes: ['gemini-3.1-flash-image'],
    version: '3.1',
    displayName: 'Nano Banana 2',
    description: 'Gemini 3.1 Flash Image',
    inputTokenLimit: 65536,
    outputTokenLimit: 65536,
    thinking: true,
    imageTokens: { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 },
    aspectRatios: flash31Ratios,
    inputImageTokens: 560,
  },
  {
    // ai.google.dev/gemini-api/docs/changelog 2026-10-06: "updated version of Nano Banana 2", 1K/2K/4K and
    // the same 14 ratios. Limits and tokens per image are not published; taken from Nano Banana 2.
    name: 'nano-banana-2.1',
    idPrefixes: ['gemini-nano-banana-2.1', 'nano-banana-2.1'],
    version: '3.1',
    displayName: 'Nano Banana 2.1',
    description: 'Gemini Nano Banana 2.1',
    inputTokenLimit: 65536,
    outputTokenLimit: 65536,
    thinking: true,
    imageTokens: { '1K': 1120, '2K': 1680, '4K': 2520 },
    aspectRatios: flash31Ratios,
    inputImageTokens: 560,
  },
  {
    // ai.google.dev/gemini-api/docs/models/gemini-3.1-flash-lite-image (June 2026): 1K only, 14 ratios,
    // 65536 in / 4096 out, thinking; $0.0336 per 1K image at $30 per 1M output tokens = 1120 tokens.
    name: 'nano-banana-2-lite',
    idPrefixes: ['gemini-3.1-flash-lite-image'],
    version: '3.1',
    displayName: 'Nano Banana 2 Lite',
    description: 'Gemini 3.1 Flash Lite Image',
    inputTokenLimit: 65536,
    outputTokenLimit: 4096,
    thinking: true,
    imageTokens: { '1K': 1120 },
    aspectRatios: flash31Ratios,
    inputImageTokens: 560,
  },
  {
    name: 'nano-banana-pro',
    idPrefixes: ['gemini-3-pro-image', 'nano-banana-pro'],
    version: '3.0',
    displayName: 'Nano Banana Pro',
    description: 'Gemini 3 Pro Image',
    inputTokenLimit: 131072,
    outputTokenLimit: 32768,
    thinking: true,
    imageTokens: { '1K': 1120, '2K': 1120, '4K': 2000 },
    aspectRatios: baseRatios,
    inputImageTokens: 560,
  },
  {
    name: 'nano-banana',
    idPrefixes: ['gemini-2.5-flash-image'],
    version: '2.0',
    displayName: 'Nano Banana',
    description: 'Gemini 2.5 Flash Image',
    inputTokenLimit: 32768,
    outputTokenLimit: 32768,
    thinking: false,
    imageTokens: { default: 1290 },
    aspectRatios: baseRatios,
    inputImageTokens: 258,
  },
];

/**
 * A listed id no family claims: listed under its own name and served as a plain image model
 * (no sizes, the ten common ratios, Gemini 2 usage numbers) so a list can name models the
 * simulator has no data for.
 */
export const unknownGeminiFamily: GeminiFamily = {
  name: 'unknown',
  idPrefixes: [],
  version: '1.0',
  displayName: '',
  description: '',
  inputTokenLimit: 32768,
  outputTokenLimit: 32768,
  thinking: false,
  imageTokens: { default: 1290 },
  aspectRatios: baseRatios,
  inputImageTokens: 258,
};

export function bareModelId(name: string): string {
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}

export function findGeminiFamily(name: string): GeminiFamily | undefined {
  return [...geminiFamilies, unknownGeminiFamily].find((family) => family.name === name);
}

/** The family whose longest id prefix matches the id, or the unknown family. */
export function geminiFamilyOf(id: string): GeminiFamily {
  let best: { family: GeminiFamily; length: number } | undefined;
  for (const family of geminiFamilies) {
    for (const prefix of family.idPrefixes) {
      if (id.startsWith(prefix) && prefix.length > (best?.length ?? 0))
        best = { family, length: prefix.length };
    }
  }
  return best?.family ?? unknownGeminiFamily;
}

/** The model an id would be, listed or not (its family's behaviour under its own name). */
export function geminiModelFor(id: string, family: GeminiFamily = geminiFamilyOf(bareModelId(id))): SimModel {
  const { name: familyName, idPrefixes: _prefixes, ...traits } = family;
  const name = bareModelId(id);
  return { ...traits, displayName: traits.displayName || name, name, family: familyName };
}

/** The model an id would be when a known family claims it, listed or not; undefined otherwise. */
export function knownGeminiModel(id: string): SimModel | undefined {
  const family = geminiFamilyOf(bareModelId(id));
  return family === unknownGeminiFamily ? undefined : geminiModelFor(id, family);
}

export const defaultImageSize = '1K';

export function hasImageSizes(model: SimModel): boolean {
  return !('default' in model.imageTokens);
}

/** Output tokens for one image of the requested size (default 1K, like the real API). */
export function imageTokensFor(model: SimModel, imageSize: string | undefined): number {
  if (!hasImageSizes(model)) return model.imageTokens.default;
  return model.imageTokens[imageSize ?? defaultImageSize] ?? model.imageTokens[defaultImageSize];
}

/** gpt-image output tokens per image by size and quality (`auto` bills as `high`). */
export const gptImageTokens: Record<string, Record<string, number>> = {
  '1024x1024': { low: 272, medium: 1056, high: 4160 },
  '1024x1536': { low: 408, medium: 1584, high: 6240 },
  '1536x1024': { low: 400, medium: 1568, high: 6208 },
};

export const gptImageSizeRatios: Record<string, string> = {
  '1024x1024': '1:1',
  '1024x1536': '2:3',
  '1536x1024': '3:2',
};

/** Prompt tokens for text, roughly as tokenisers count English (4 characters per token). */
export function textTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}
