// Turns an Interactions failure into a GatewayError. HTTP answers carry Google's usual envelope
// (`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED",…}}`) and are read as the gemini provider
// reads them; a stream's `error` event and a failed interaction's `errors[]` carry a string code
// instead (an enum name or a URI), mapped here to the HTTP status it stands for.
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { inBandUpstreamError } from '../gemini/errors.js';

export { upstreamErrorFromResponse } from '../gemini/errors.js';

/** A string code's words → the HTTP status and Google status they stand for (first match wins). */
const codeMeanings: ReadonlyArray<[RegExp, number, string]> = [
  [/resource[_ -]?exhausted|rate[_ -]?limit|quota|\b429\b/i, 429, 'RESOURCE_EXHAUSTED'],
  [/unavailable|overload|\b503\b/i, 503, 'UNAVAILABLE'],
  [/deadline|timeout|\b504\b/i, 504, 'DEADLINE_EXCEEDED'],
  [/unauthenticated|permission[_ -]?denied|\b40[13]\b/i, 403, 'PERMISSION_DENIED'],
  [/not[_ -]?found|\b404\b/i, 404, 'NOT_FOUND'],
  [/invalid[_ -]?argument|invalid[_ -]?request|failed[_ -]?precondition|\b400\b/i, 400, 'INVALID_ARGUMENT'],
];

/** Status words that mean the content was refused: a safety finish, not a route failure. */
export const safetyCode = /safety|prohibited|blocklist|spii|recitation|blocked/i;

/**
 * An error with a string code (`error` event, `errors[]` entry) or a google.rpc.Status (a step's
 * `error`, numeric code), classified as if it had come as that HTTP status.
 */
export function interactionError(error: unknown, channelName: string): GatewayError {
  const record = error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  const message = typeof record.message === 'string' ? record.message : '';
  const code = record.code;
  if (typeof code === 'number') return inBandUpstreamError({ error: { ...record, message } }, channelName);
  const words = typeof code === 'string' ? code : '';
  const meaning = codeMeanings.find(([pattern]) => pattern.test(words));
  const [, httpStatus, status] = meaning ?? [undefined, 500, 'INTERNAL'];
  return inBandUpstreamError({ error: { code: httpStatus, status, message } }, channelName);
}

/** A 2xx answer that is not the Interaction JSON the API promises. */
export function malformedInteraction(channelName: string, detail: string): GatewayError {
  return errorCatalogue.UPSTREAM_BAD_ANSWER(
    `Upstream channel "${channelName}" sent an answer that is not a valid Interaction (${detail}).`,
  );
}
