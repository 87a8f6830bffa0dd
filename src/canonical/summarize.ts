// Derives the typed facts routing, validation and billing need from a canonical request. Pure.
import { imageDataLength } from './skip-image-strings.js';
import type { GenerateContentRequest, RequestSummary } from './types.js';

/** Image is required when IMAGE is among responseModalities, or when none are given and the model only makes images. */
export function summarizeRequest(
  request: GenerateContentRequest,
  modelOutputsImageByDefault: boolean,
): RequestSummary {
  let inputImages = 0;
  let inputImageBytes = 0;
  let promptChars = 0;
  for (const content of request.contents ?? []) {
    for (const part of content.parts ?? []) {
      if (part.inlineData && imageDataLength(part.inlineData) > 0) {
        inputImages += 1;
        inputImageBytes += Math.floor((imageDataLength(part.inlineData) * 3) / 4);
      } else if (part.fileData) {
        inputImages += 1;
      } else if (typeof part.text === 'string') {
        promptChars += part.text.length;
      }
    }
  }
  const config = request.generationConfig;
  const modalities = config?.responseModalities?.map((modality) => String(modality).toUpperCase());
  return {
    inputImages,
    inputImageBytes,
    promptChars,
    wantsImage: modalities ? modalities.includes('IMAGE') : modelOutputsImageByDefault,
    aspectRatio: config?.imageConfig?.aspectRatio,
    imageSize: config?.imageConfig?.imageSize,
    candidateCount: typeof config?.candidateCount === 'number' ? config.candidateCount : 1,
  };
}
