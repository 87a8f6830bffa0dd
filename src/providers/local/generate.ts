// The `local` provider's whole round trip: canonical request → offline engine → Gemini-shaped response.

import { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../canonical/types.js';
import { canvasSize, longSideByImageSize, parseAspectRatio } from '../../engine/canvas-size.js';
import { pixelMemory, rgbaBytes } from '../../engine/pixel-memory.js';
import type { EngineInput } from '../../engine/types.js';
import { maxInputPixels } from '../../security/limits.js';
import { buildResponse, requestedModalities } from './build-response.js';
import { toEngineInput } from './convert-request.js';

/**
 * Copies of the decoded pixels an edit holds at its peak: the image, a step's output, and one more
 * for buffers the garbage collector has not reclaimed yet.
 */
const workingCopies = 3;

/** Decoded bytes to reserve before the engine runs: every input image, or the drawing's canvas. */
export function engineWorkingBytes(input: EngineInput): number {
  if (input.images.length === 0) {
    const ratio = input.aspectRatio ? parseAspectRatio(input.aspectRatio) : undefined;
    const canvas = canvasSize(ratio, longSideByImageSize[input.imageSize ?? '1K'] ?? 1024);
    return workingCopies * rgbaBytes(canvas.width, canvas.height);
  }
  // An image whose header gave no size counts as the largest sharp will decode.
  const decoded = input.images.map((image) =>
    image.width && image.height ? rgbaBytes(image.width, image.height) : 4 * maxInputPixels,
  );
  return workingCopies * decoded.reduce((sum, bytes) => sum + bytes, 0);
}

export async function generateWithLocalEngine(
  request: GenerateContentRequest,
  modelId: string,
  signal?: AbortSignal,
): Promise<GenerateContentResponse> {
  const modalities = requestedModalities(request);
  if (modalities && modalities.length > 0 && !modalities.includes('IMAGE')) {
    throw errorCatalogue.INVALID_VALUE(
      `${modelId} always answers with an image; include "IMAGE" in generationConfig.responseModalities.`,
      'generationConfig.responseModalities',
    );
  }
  const input = await toEngineInput(request);
  // The engine's threads (and sharp with them) start on the first local request.
  const { engineThreads } = await import('../../engine/engine-threads.js');
  const threads = await engineThreads();
  const result = await pixelMemory
    .with(engineWorkingBytes(input), signal, () => threads.run(input))
    .catch((error: unknown) => {
      if (error instanceof GatewayError || !signal?.aborted) throw error;
      // The attempt's deadline passed (or the client left) while the edit waited for pixel memory.
      throw errorCatalogue.UPSTREAM_TIMEOUT(
        `${modelId} did not start in time: it waited for room under engine.pixelMemoryBytes.`,
        error,
      );
    });
  return buildResponse(request, result, modelId);
}
