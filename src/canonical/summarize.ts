// Derives the typed facts routing, validation and billing need from a canonical request. Pure.
import { imageDataLength } from './skip-image-strings.js';
import type { GenerateContentRequest, RequestSummary } from './types.js';

export interface ModelOutput {
  /** The model only makes images: one is required even when responseModalities is absent. */
  imageOnly: boolean;
  /** The model can make images: without responseModalities (or with an empty list) it may return one. */
  canOutputImage: boolean;
}

/**
 * Image is required when IMAGE is among responseModalities, or when none are given and the model only
 * makes images. Image models answer with an image by default, so an image may come back whenever IMAGE
 * is listed or no modality is (an empty list means the default, as upstream), and always from a model
 * that makes nothing else.
 */
export function summarizeRequest(request: GenerateContentRequest, model: ModelOutput): RequestSummary {
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
  const listed = Array.isArray(config?.responseModalities) ? config.responseModalities : [];
  const modalities = listed.map((modality) => String(modality).toUpperCase());
  const named = modalities.length > 0;
  return {
    inputImages,
    inputImageBytes,
    promptChars,
    wantsImage: named ? modalities.includes('IMAGE') : model.imageOnly,
    // A model that only makes images (gpt-image) answers with one whatever the modalities say.
    mayReturnImage: model.canOutputImage && (model.imageOnly || !named || modalities.includes('IMAGE')),
    aspectRatio: config?.imageConfig?.aspectRatio,
    imageSize: config?.imageConfig?.imageSize,
    candidateCount: typeof config?.candidateCount === 'number' ? config.candidateCount : 1,
  };
}
