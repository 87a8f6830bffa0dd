// Reads a canonical answer the way routing and health need it: did an image come back, was it a
// safety block (the caller's answer), or a no-image answer (retryable elsewhere)? Pure.
import type { GenerateContentResponse } from '../canonical/types.js';

const safetyFinishReasons = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
]);

export type ResponseOutcome = 'image' | 'text_only' | 'safety' | 'no_image';

/** Whether a blob carries bytes, without decoding a lazily attached image string (see skip-image-strings.ts). */
function hasImageBytes(blob: { data?: unknown } | undefined): boolean {
  if (!blob) return false;
  const descriptor = Object.getOwnPropertyDescriptor(blob, 'data');
  if (descriptor?.get) return true;
  return typeof descriptor?.value === 'string' && descriptor.value.length > 0;
}

export function countImages(response: GenerateContentResponse): number {
  let count = 0;
  for (const candidate of response.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (hasImageBytes(part.inlineData) && !part.thought) count += 1;
    }
  }
  return count;
}

export function finishReasonOf(response: GenerateContentResponse): string | undefined {
  return response.candidates?.find((candidate) => candidate.finishReason)?.finishReason;
}

export function classifyResponse(response: GenerateContentResponse, wantsImage: boolean): ResponseOutcome {
  if (response.promptFeedback?.blockReason) return 'safety';
  const finishReason = finishReasonOf(response);
  if (finishReason && safetyFinishReasons.has(finishReason)) return 'safety';
  if (countImages(response) > 0) return 'image';
  return wantsImage ? 'no_image' : 'text_only';
}

export function textOf(response: GenerateContentResponse): string {
  return (response.candidates ?? [])
    .flatMap((candidate) => candidate.content?.parts ?? [])
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('');
}
