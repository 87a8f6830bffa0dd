// Turns a Gemini-wire error answer (AI Studio, Vertex, Gemini-compatible routers) into a GatewayError.
import { type ErrorClass, GatewayError } from '../../canonical/errors.js';
import { excessNestingOffset } from '../../canonical/json-nesting.js';

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<Record<string, unknown>> };
}

export function parseRetryDelaySeconds(
  details: Array<Record<string, unknown>> | undefined,
): number | undefined {
  for (const detail of details ?? []) {
    const delay = detail.retryDelay;
    if (typeof delay === 'string') {
      const seconds = Number.parseFloat(delay);
      if (Number.isFinite(seconds)) return Math.ceil(seconds);
    }
  }
  return undefined;
}

function classify(httpStatus: number, status: string | undefined, message: string): ErrorClass {
  if (httpStatus === 429) return /quota|billing|credits/i.test(message) ? 'quota' : 'rate_limited';
  if (httpStatus === 401) return 'auth';
  if (httpStatus === 403) return 'auth';
  if (httpStatus === 400 && /API key not valid|API_KEY_INVALID/i.test(message)) return 'auth';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 408 || httpStatus === 504 || status === 'DEADLINE_EXCEEDED') return 'timeout';
  if (httpStatus === 503 || httpStatus === 502) return 'overloaded';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'bad_request';
}

/** Builds the error for a non-2xx upstream answer; the message keeps the upstream's words. */
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
  const upstreamMessage = parsed?.error?.message ?? (bodyText.slice(0, 200).trim() || `HTTP ${httpStatus}`);
  const errorClass = parsed?.error
    ? classify(httpStatus, parsed.error.status, upstreamMessage)
    : classifyBare(httpStatus);
  const headerSeconds = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : Number.NaN;
  return new GatewayError({
    errorClass,
    httpStatus: errorClass === 'auth' ? 502 : httpStatus,
    status: parsed?.error?.status,
    message:
      errorClass === 'auth'
        ? `Upstream channel "${channelName}" rejected its credentials (${upstreamMessage}).`
        : upstreamMessage,
    retryAfterSeconds:
      parseRetryDelaySeconds(parsed?.error?.details) ??
      (Number.isFinite(headerSeconds) ? headerSeconds : undefined),
    details: errorClass === 'auth' ? undefined : parsed?.error?.details,
  });
}

function classifyBare(httpStatus: number): ErrorClass {
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus === 502 || httpStatus === 503) return 'overloaded';
  if (httpStatus === 504 || httpStatus === 408) return 'timeout';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'upstream_bug';
}

/** A 2xx answer that is not the JSON the Gemini wire promises (an HTML proxy page, truncated body). */
export function malformedUpstreamAnswer(channelName: string, detail: string): GatewayError {
  return new GatewayError({
    errorClass: 'upstream_bug',
    httpStatus: 502,
    message: `Upstream channel "${channelName}" sent an answer that is not valid Gemini JSON (${detail}).`,
  });
}
