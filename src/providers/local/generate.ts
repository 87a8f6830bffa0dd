// The `local` provider's whole round trip: canonical request → offline engine → Gemini-shaped response.

import { errors } from '../../canonical/errors.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../canonical/types.js';
import { buildResponse, requestedModalities } from './build-response.js';
import { toEngineInput } from './convert-request.js';

export async function generateWithLocalEngine(
  request: GenerateContentRequest,
  modelId: string,
): Promise<GenerateContentResponse> {
  const modalities = requestedModalities(request);
  if (modalities && modalities.length > 0 && !modalities.includes('IMAGE')) {
    throw errors.badRequest(
      `${modelId} always answers with an image; include "IMAGE" in generationConfig.responseModalities.`,
      'generationConfig.responseModalities',
    );
  }
  const input = await toEngineInput(request);
  // The engine (and sharp with it) loads on the first local request.
  const { runEngine } = await import('../../engine/index.js');
  const result = await runEngine(input);
  return buildResponse(request, result, modelId);
}
