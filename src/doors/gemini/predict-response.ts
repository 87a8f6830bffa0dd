// The answers of a `:predict` fan-out → Imagen's `{predictions: [{bytesBase64Encoded, mimeType}]}`.
// A call the safety system stopped becomes `{raiFilteredReason}`, as Imagen reports a filtered
// sample; any other failure leaves its sample out (it was not billed).
import type { GatewayError } from '../../canonical/errors.js';
import { withImageField } from '../../canonical/json-with-images.js';
import type { GenerateContentResponse } from '../../canonical/types.js';
import { isSafetyReason } from '../openai-chat/map-finish-reason.js';
import { collectGeneratedImages } from '../openai-images/from-canonical.js';
import { transcodeImage } from '../openai-images/transcode.js';
import type { PredictImageFormat } from './predict-request.js';

export type Prediction = { bytesBase64Encoded: string; mimeType: string } | { raiFilteredReason: string };

/** Why a response carries no image because of a policy block, or undefined. */
export function safetyBlockOf(response: GenerateContentResponse): string | undefined {
  const reasons = [
    response.promptFeedback?.blockReason,
    ...(response.candidates ?? []).map((candidate) => candidate.finishReason),
  ];
  return reasons.find((reason) => isSafetyReason(reason));
}

function filteredReason(reason: string): { raiFilteredReason: string } {
  return {
    raiFilteredReason: `Your current safety filter threshold filtered out the generated image (${reason}). Rephrase the prompt and try again.`,
  };
}

/** Predictions for the calls that answered, and a filtered entry per safety-blocked call or failure. */
export async function predictionsFromCanonical(
  responses: readonly GenerateContentResponse[],
  safetyFailures: readonly GatewayError[],
  format: PredictImageFormat,
  compression: number | undefined,
): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  for (const response of responses) {
    const images = collectGeneratedImages([response]);
    if (images.length === 0) {
      const blocked = safetyBlockOf(response);
      if (blocked) predictions.push(filteredReason(blocked));
      continue;
    }
    for (const image of images) {
      const encoded = await transcodeImage(image, format, compression);
      predictions.push(
        withImageField({ mimeType: encoded.mimeType }, 'bytesBase64Encoded', '', encoded) as Prediction,
      );
    }
  }
  for (const failure of safetyFailures) predictions.push(filteredReason(failure.code ?? 'SAFETY'));
  return predictions;
}
