// What the simulated Google serves: model list entries and the usage numbers the real models report
// (WIRE.md §4 and §8). Hard-coded on purpose: the simulator plays Google, not our own catalog.

export interface SimModel {
  name: string;
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

const baseRatios = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const flash31Ratios = [...baseRatios, '1:4', '4:1', '1:8', '8:1'] as const;

const flash31: Omit<SimModel, 'name'> = {
  version: '3.1',
  displayName: 'Nano Banana 2',
  description: 'Gemini 3.1 Flash Image',
  inputTokenLimit: 65536,
  outputTokenLimit: 65536,
  thinking: true,
  imageTokens: { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 },
  aspectRatios: flash31Ratios,
  inputImageTokens: 560,
};

const pro3: Omit<SimModel, 'name'> = {
  version: '3.0',
  displayName: 'Nano Banana Pro',
  description: 'Gemini 3 Pro Image Preview',
  inputTokenLimit: 131072,
  outputTokenLimit: 32768,
  thinking: true,
  imageTokens: { '1K': 1120, '2K': 1120, '4K': 2000 },
  aspectRatios: baseRatios,
  inputImageTokens: 560,
};

const flash25: Omit<SimModel, 'name'> = {
  version: '2.0',
  displayName: 'Nano Banana',
  description: 'Gemini 2.5 Flash Image',
  inputTokenLimit: 32768,
  outputTokenLimit: 32768,
  thinking: false,
  imageTokens: { default: 1290 },
  aspectRatios: baseRatios,
  inputImageTokens: 258,
};

export const simModels: readonly SimModel[] = [
  { name: 'gemini-2.5-flash-image', ...flash25 },
  { name: 'gemini-2.5-flash-image-preview', ...flash25 },
  { name: 'gemini-3-pro-image-preview', ...pro3 },
  { name: 'gemini-3-pro-image', ...pro3 },
  { name: 'nano-banana-pro-preview', ...pro3 },
  { name: 'gemini-3.1-flash-image-preview', ...flash31 },
  { name: 'gemini-3.1-flash-image', ...flash31 },
];

export const defaultImageSize = '1K';

export function findSimModel(name: string): SimModel | undefined {
  const bare = name.startsWith('models/') ? name.slice('models/'.length) : name;
  return simModels.find((model) => model.name === bare);
}

export function hasImageSizes(model: SimModel): boolean {
  return !('default' in model.imageTokens);
}

/** Output tokens for one image of the requested size (default 1K, like the real API). */
export function imageTokensFor(model: SimModel, imageSize: string | undefined): number {
  if (!hasImageSizes(model)) return model.imageTokens.default;
  return model.imageTokens[imageSize ?? defaultImageSize] ?? model.imageTokens[defaultImageSize];
}

/** The `GET /v1beta/models` entry (WIRE.md §4 capture). */
export function modelListEntry(model: SimModel): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    name: `models/${model.name}`,
    version: model.version,
    displayName: model.displayName,
    description: model.description,
    inputTokenLimit: model.inputTokenLimit,
    outputTokenLimit: model.outputTokenLimit,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 1,
  };
  if (model.thinking) entry.thinking = true;
  return entry;
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

export const gptImageModels: readonly string[] = ['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5'];

/** Prompt tokens for text, roughly as tokenisers count English (4 characters per token). */
export function textTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}
