// Gemini usageMetadata (one per upstream call) → the OpenAI Images `usage` object, summed.
import type { ModalityTokenCount, UsageMetadata } from '../../canonical/types.js';

export interface ImagesUsage {
  input_tokens: number;
  input_tokens_details: { text_tokens: number; image_tokens: number };
  output_tokens: number;
  output_tokens_details: { image_tokens: number; text_tokens: number };
  total_tokens: number;
}

function modalityTokens(details: readonly ModalityTokenCount[] | undefined, modality: string): number {
  return (details ?? [])
    .filter((entry) => entry.modality === modality)
    .reduce((sum, entry) => sum + (entry.tokenCount ?? 0), 0);
}

/**
 * Input: IMAGE details are image tokens, the rest of promptTokenCount is text. Output: IMAGE
 * details are image tokens; the rest of candidatesTokenCount (Gemini may list only IMAGE) plus
 * thoughtsTokenCount is text.
 */
export function imagesUsageFromMetadata(usage: UsageMetadata | undefined): ImagesUsage {
  const promptTokens = usage?.promptTokenCount ?? 0;
  const inputImage = modalityTokens(usage?.promptTokensDetails, 'IMAGE');
  const inputText = Math.max(0, promptTokens - inputImage);
  const candidatesTokens = usage?.candidatesTokenCount ?? 0;
  const outputImage = modalityTokens(usage?.candidatesTokensDetails, 'IMAGE');
  const outputText = Math.max(0, candidatesTokens - outputImage) + (usage?.thoughtsTokenCount ?? 0);
  const inputTokens = inputText + inputImage;
  const outputTokens = outputText + outputImage;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { text_tokens: inputText, image_tokens: inputImage },
    output_tokens: outputTokens,
    output_tokens_details: { image_tokens: outputImage, text_tokens: outputText },
    total_tokens: inputTokens + outputTokens,
  };
}

export function sumImagesUsage(usages: readonly ImagesUsage[]): ImagesUsage {
  const total = imagesUsageFromMetadata(undefined);
  for (const usage of usages) {
    total.input_tokens += usage.input_tokens;
    total.input_tokens_details.text_tokens += usage.input_tokens_details.text_tokens;
    total.input_tokens_details.image_tokens += usage.input_tokens_details.image_tokens;
    total.output_tokens += usage.output_tokens;
    total.output_tokens_details.image_tokens += usage.output_tokens_details.image_tokens;
    total.output_tokens_details.text_tokens += usage.output_tokens_details.text_tokens;
    total.total_tokens += usage.total_tokens;
  }
  return total;
}
