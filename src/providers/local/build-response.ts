// Engine result → a Gemini-shaped GenerateContentResponse with deterministic usageMetadata.

import { randomBytes } from 'node:crypto';
import type {
  GenerateContentRequest,
  GenerateContentResponse,
  ModalityTokenCount,
  Part,
} from '../../canonical/types.js';
import type { EngineResult } from '../../engine/types.js';
import { countPromptTokens, outputImageTokenCount, textTokenCount } from './count-tokens.js';

/** 24 URL-safe characters, like Gemini's responseId. */
export function newResponseId(): string {
  return randomBytes(18).toString('base64url');
}

/** generationConfig.responseModalities in upper case, or undefined when not given. */
export function requestedModalities(request: GenerateContentRequest): string[] | undefined {
  return request.generationConfig?.responseModalities?.map((modality) => String(modality).toUpperCase());
}

/** True when the caller asked for IMAGE and nothing else (then no text part is returned). */
export function wantsImageOnly(request: GenerateContentRequest): boolean {
  const modalities = requestedModalities(request);
  return (
    modalities !== undefined && modalities.length > 0 && modalities.every((modality) => modality === 'IMAGE')
  );
}

export function buildResponse(
  request: GenerateContentRequest,
  result: EngineResult,
  modelId: string,
  responseId: string = newResponseId(),
): GenerateContentResponse {
  const prompt = countPromptTokens(request);
  const parts: Part[] = [];
  const candidatesTokensDetails: ModalityTokenCount[] = [];
  let candidatesTokenCount = 0;
  let finishReason: string;
  if (result.kind === 'image') {
    finishReason = 'STOP';
    const imageTokens = outputImageTokenCount(request.generationConfig?.imageConfig?.imageSize);
    if (!wantsImageOnly(request)) {
      parts.push({ text: result.description });
      const textTokens = textTokenCount(result.description);
      candidatesTokensDetails.push({ modality: 'TEXT', tokenCount: textTokens });
      candidatesTokenCount += textTokens;
    }
    parts.push({ inlineData: { mimeType: result.mimeType, data: result.image.toString('base64') } });
    candidatesTokensDetails.push({ modality: 'IMAGE', tokenCount: imageTokens });
    candidatesTokenCount += imageTokens;
  } else {
    finishReason = 'NO_IMAGE';
    parts.push({ text: result.reason });
    const textTokens = textTokenCount(result.reason);
    candidatesTokensDetails.push({ modality: 'TEXT', tokenCount: textTokens });
    candidatesTokenCount += textTokens;
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
    usageMetadata: {
      promptTokenCount: prompt.promptTokenCount,
      candidatesTokenCount,
      totalTokenCount: prompt.promptTokenCount + candidatesTokenCount,
      promptTokensDetails: prompt.promptTokensDetails,
      candidatesTokensDetails,
    },
    modelVersion: modelId,
    responseId,
  };
}
