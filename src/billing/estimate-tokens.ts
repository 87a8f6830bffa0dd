// Prompt token estimate used by :countTokens and for worst-case holds: text ≈ 4 characters per
// token, each input image costs the catalog's per-image input tokens. Pure.
import type { CatalogModel } from '../catalog/catalog.js';
import type { GenerateContentRequest, ModalityTokenCount } from '../canonical/types.js';

export interface PromptTokenEstimate {
  totalTokens: number;
  textTokens: number;
  imageTokens: number;
  promptTokensDetails: ModalityTokenCount[];
}

export function estimatePromptTokens(
  request: GenerateContentRequest,
  model: CatalogModel,
): PromptTokenEstimate {
  let characters = 0;
  let images = 0;
  const contents = [
    ...(request.contents ?? []),
    ...(request.systemInstruction ? [request.systemInstruction] : []),
  ];
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      if (typeof part.text === 'string') characters += part.text.length;
      if (part.inlineData || part.fileData) images += 1;
    }
  }
  const textTokens = characters === 0 ? 0 : Math.max(1, Math.ceil(characters / 4));
  const imageTokens = images * model.inputImageTokens;
  const promptTokensDetails: ModalityTokenCount[] = [];
  if (textTokens > 0) promptTokensDetails.push({ modality: 'TEXT', tokenCount: textTokens });
  if (imageTokens > 0) promptTokensDetails.push({ modality: 'IMAGE', tokenCount: imageTokens });
  return { totalTokens: textTokens + imageTokens, textTokens, imageTokens, promptTokensDetails };
}
