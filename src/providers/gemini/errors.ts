// Turns a Gemini-wire error answer (AI Studio, Vertex, Gemini-compatible routers) into a GatewayError.
import type { ErrorClass, GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { excessNestingOffset } from '../../canonical/json-nesting.js';
import { upstreamError } from '../upstream-error.js';

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<Record<string, unknown>> };
}

export function parseRetryDelaySeconds(
  details: Array<Record<string, unknown>> | undefined,
): number | undefined {
  for (const detail of details ?? []) {
    // Upstream JSON: an entry may be anything (null, a number), never a reason to fail here.
    const delay = detail !== null && typeof detail === 'object' ? detail.retryDelay : undefined;
    if (typeof delay === 'string') {
      const seconds = Number.parseFloat(delay);
      if (Number.isFinite(seconds)) return Math.ceil(seconds);
    }
  }
  return undefined;
}

function classify(httpStatus: number, status: string | undefined, message: string): ErrorClass {
  if (httpStatus === 429) return /quota|billing|credits/i.test(message) ? 'quota' : 'rate_limited';
  // 407: a proxy in front of the upstream wants credentials; 402: the account's credits ran out
  // (routers such as OpenRouter). Both are the channel's, never the caller's.
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 407) return 'auth';
  if (httpStatus === 402) return 'quota';
  if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') return 'auth';
  // Google answers a bad or expired key with 400, and a project the API refuses (region, billing)
  // with 400 FAILED_PRECONDITION: both are the channel's credentials, not the caller's request.
  if (status === 'FAILED_PRECONDITION') return 'auth';
  if (/API key (not valid|expired|invalid)|API_KEY_/i.test(message)) return 'auth';
  // Google's NOT_FOUND for a model call: the model is not (or no longer) served for this method.
  if (httpStatus === 404 && (status === 'NOT_FOUND' || status === undefined)) return 'model_gone';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 408 || httpStatus === 504 || status === 'DEADLINE_EXCEEDED') return 'timeout';
  if (httpStatus === 503 || httpStatus === 502) return 'overloaded';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'bad_request';
}

/**
 * Builds the error for a non-2xx upstream answer. Route failures get the gateway's words; only the
 * caller's own mistakes keep the upstream's message, scrubbed (src/providers/upstream-error.ts).
 */
export function upstreamErrorFromResponse(
  httpStatus: number,
  bodyText: string,
  retryAfterHeader: string | undefined,
  channelName: string,
): GatewayError {
  let parsed: GoogleErrorBody | undefined;
  try {
    if (excessNestingOffset(bodyText) >= 0) throw new Error('nested too deep to read');
    const value: unknown = JSON.parse(bodyText);
    parsed = (Array.isArray(value) ? value[0] : value) as GoogleErrorBody;
  } catch {
    parsed = undefined;
  }
  return upstreamErrorFromBody(httpStatus, parsed, retryAfterHeader, channelName);
}

/**
 * An error object inside a 200 answer or a stream event (`{"error":{"code":429,…}}`): classified by
 * its own code as if it had come as that HTTP status, so an in-band 429 rests the key and an in-band
 * 503 counts as the route overloaded. Without a usable code (400–599) it is a malformed answer.
 */
export function inBandUpstreamError(body: Record<string, unknown>, channelName: string): GatewayError {
  const error = body.error;
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 599) {
    return malformedUpstreamAnswer(channelName, 'an error object inside a 200 answer');
  }
  return upstreamErrorFromBody(code, body as GoogleErrorBody, undefined, channelName);
}

function upstreamErrorFromBody(
  httpStatus: number,
  parsed: GoogleErrorBody | undefined,
  retryAfterHeader: string | undefined,
  channelName: string,
): GatewayError {
  const error =
    parsed && typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : undefined;
  const upstreamMessage = typeof error?.message === 'string' ? error.message : '';
  const details = Array.isArray(error?.details) ? error.details : undefined;
  const headerSeconds = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : Number.NaN;
  return upstreamError({
    channelName,
    upstreamStatus: httpStatus,
    errorClass: error
      ? classify(httpStatus, typeof error.status === 'string' ? error.status : undefined, upstreamMessage)
      : classifyBare(httpStatus),
    // A body that is not Google's envelope (an HTML page, a proxy's text) is never the caller's words.
    upstreamMessage: error && upstreamMessage !== '' ? upstreamMessage : undefined,
    status: typeof error?.status === 'string' ? error.status : undefined,
    retryAfterSeconds:
      parseRetryDelaySeconds(details) ?? (Number.isFinite(headerSeconds) ? headerSeconds : undefined),
    details,
  });
}

function classifyBare(httpStatus: number): ErrorClass {
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 407) return 'auth';
  if (httpStatus === 402) return 'quota';
  if (httpStatus === 502 || httpStatus === 503) return 'overloaded';
  if (httpStatus === 504 || httpStatus === 408) return 'timeout';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'upstream_bug';
}

/** A 2xx answer that is not the JSON the Gemini wire promises (an HTML proxy page, truncated body). */
export function malformedUpstreamAnswer(channelName: string, detail: string): GatewayError {
  return errorCatalogue.UPSTREAM_BAD_ANSWER(
    `Upstream channel "${channelName}" sent an answer that is not valid Gemini JSON (${detail}).`,
  );
}
