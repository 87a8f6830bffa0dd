// OpenAI Images options that have no Gemini field (quality, background, output_format, moderation…)
// ride along on the canonical request under a symbol: a gpt-image upstream receives them exactly,
// while JSON.stringify — and so every Gemini upstream — never sees them.
import type { GenerateContentRequest } from './types.js';

export interface OpenAiImageOptions {
  size?: string;
  quality?: string;
  background?: string;
  output_format?: string;
  output_compression?: number;
  moderation?: string;
  input_fidelity?: string;
  partial_images?: number;
  user?: string;
}

/** At most this many images are edited in one OpenAI Images request (the API's own limit). */
export const maxImagesPerEdit = 16;

/** Sent right before the mask image so any upstream understands what the extra image is. */
export const maskInstruction =
  'The next image is the edit mask for the first image: its fully transparent pixels mark the area to edit; keep everything else unchanged.';

const openAiImageOptionsKey = Symbol.for('imagegate.openAiImageOptions');

type WithOptions = GenerateContentRequest & { [openAiImageOptionsKey]?: OpenAiImageOptions };

export function attachOpenAiImageOptions(request: GenerateContentRequest, options: OpenAiImageOptions): void {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  if (Object.keys(defined).length > 0) (request as WithOptions)[openAiImageOptionsKey] = defined;
}

export function openAiImageOptionsOf(request: GenerateContentRequest): OpenAiImageOptions | undefined {
  return (request as WithOptions)[openAiImageOptionsKey];
}
