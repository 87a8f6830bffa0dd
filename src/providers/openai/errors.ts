// An OpenAI error reply (`{"error":{message,type,param,code}}` + HTTP status) → GatewayError with the
// class routing and health read: auth, quota vs rate_limited, safety, bad_request, overloaded…
import type { ErrorClass, GatewayError } from '../../canonical/errors.js';
import { upstreamError } from '../upstream-error.js';

export interface OpenAiErrorBody {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** The envelope's `error`, or undefined for a body that is not OpenAI's envelope (an HTML page). */
function errorBodyOf(body: unknown): OpenAiErrorBody | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (inner && typeof inner === 'object') return inner as OpenAiErrorBody;
    if (typeof inner === 'string') return { message: inner };
  }
  return undefined;
}

function classify(httpStatus: number, error: OpenAiErrorBody): ErrorClass {
  const code = typeof error.code === 'string' ? error.code : '';
  if (code === 'moderation_blocked' || error.type === 'image_generation_user_error') return 'safety';
  // A 401/403 (or a key complaint inside a 2xx body or stream) is the channel's credentials.
  // 407: a proxy in front of the upstream wants credentials; 402: the account's credits ran out
  // (routers such as OpenRouter). Both are the channel's, never the caller's.
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 407) return 'auth';
  if (httpStatus === 402) return 'quota';
  if (code === 'invalid_api_key' || error.type === 'authentication_error') return 'auth';
  if (code === 'insufficient_quota' || error.type === 'insufficient_quota') return 'quota';
  if (code === 'rate_limit_exceeded') return 'rate_limited';
  // "The model `x` does not exist or you do not have access to it.": the route lost the model.
  if (httpStatus === 404 && code === 'model_not_found') return 'model_gone';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 408 || httpStatus === 504) return 'timeout';
  if (httpStatus === 502 || httpStatus === 503) return 'overloaded';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'bad_request';
}

/** `Retry-After` as seconds (numeric or HTTP date relative to `now`). */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * An OpenAI-wire failure → GatewayError: route failures in the gateway's words naming the channel,
 * the caller's own mistakes with the upstream's message scrubbed (src/providers/upstream-error.ts).
 * `httpStatus` is 200 for an error carried inside a 2xx body or a stream event.
 */
export function openAiErrorToGatewayError(
  channelName: string,
  httpStatus: number,
  body: unknown,
  retryAfterHeader?: string | null,
): GatewayError {
  const enveloped = errorBodyOf(body);
  const error = enveloped ?? {};
  // Only a request complaint in OpenAI's envelope is the caller's own: a page or text a proxy sent
  // instead, or an unexplained error inside a 2xx answer, is the route's failure.
  const inBand = httpStatus < 300;
  let errorClass = classify(inBand ? 400 : httpStatus, error);
  const callersOwn = enveloped !== undefined && (!inBand || error.type === 'invalid_request_error');
  if (errorClass === 'bad_request' && !callersOwn) errorClass = 'upstream_bug';
  return upstreamError({
    channelName,
    upstreamStatus: httpStatus,
    errorClass,
    upstreamMessage: typeof error.message === 'string' ? error.message : undefined,
    param: typeof error.param === 'string' ? error.param : undefined,
    code:
      typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined,
    retryAfterSeconds: retryAfterSeconds(retryAfterHeader),
  });
}
