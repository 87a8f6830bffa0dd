// Deterministic token counting for the local engine: text = ceil(characters / 4) (at least 1),
// 258 per input image, and the catalog's per-imageSize count for each output image.

import type { GenerateContentRequest, ModalityTokenCount, Part } from '../../canonical/types.js';

/** Tokens billed per input image (local-image-edit `inputImageTokens` in builtin-models.yaml). */
export const inputImageTokenCount = 258;

/** Output image tokens by imageSize (local-image-edit `imageTokens` in builtin-models.yaml). */
export const outputImageTokensBySize: Readonly<Record<string, number>> = {
  default: 1290,
  '512': 747,
  '1K': 1120,
  '2K': 1680,
};

export function textTokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function outputImageTokenCount(imageSize: string | undefined): number {
  return (imageSize ? outputImageTokensBySize[imageSize] : undefined) ?? outputImageTokensBySize.default;
}

export interface PromptTokens {
  textTokens: number;
  imageTokens: number;
  promptTokenCount: number;
  promptTokensDetails: ModalityTokenCount[];
}

function promptParts(request: GenerateContentRequest): Part[] {
  const contents = [
    ...(request.systemInstruction ? [request.systemInstruction] : []),
    ...(request.contents ?? []),
  ];
  return contents.flatMap((content) => content.parts ?? []);
}

/** Counts every non-thought text part and every inline image in the request (and its system instruction). */
export function countPromptTokens(request: GenerateContentRequest): PromptTokens {
  let characters = 0;
  let images = 0;
  for (const part of promptParts(request)) {
    if (part.thought === true) continue;
    if (typeof part.text === 'string') characters += part.text.length;
    if (part.inlineData || part.fileData) images += 1;
  }
  const textTokens = Math.max(1, Math.ceil(characters / 4));
  const imageTokens = images * inputImageTokenCount;
  const promptTokensDetails: ModalityTokenCount[] = [{ modality: 'TEXT', tokenCount: textTokens }];
  if (imageTokens > 0) promptTokensDetails.push({ modality: 'IMAGE', tokenCount: imageTokens });
  return { textTokens, imageTokens, promptTokenCount: textTokens + imageTokens, promptTokensDetails };
}

/** The countTokens answer, computed without running the engine. */
export function countTokensLocally(request: GenerateContentRequest): {
  totalTokens: number;
  promptTokensDetails: ModalityTokenCount[];
} {
  const prompt = countPromptTokens(request);
  return { totalTokens: prompt.promptTokenCount, promptTokensDetails: prompt.promptTokensDetails };
}
