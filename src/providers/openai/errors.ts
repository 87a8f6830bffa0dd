// An OpenAI error reply (`{"error":{message,type,param,code}}` + HTTP status) → GatewayError with the
// class routing and health read: auth, quota vs rate_limited, safety, bad_request, overloaded…
import { type ErrorClass, GatewayError } from '../../canonical/errors.js';

export interface OpenAiErrorBody {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

function errorBodyOf(body: unknown): OpenAiErrorBody {
  if (body && typeof body === 'object' && 'error' in body) {
    const inner = (body as { error: unknown }).error;
    if (inner && typeof inner === 'object') return inner as OpenAiErrorBody;
    if (typeof inner === 'string') return { message: inner };
  }
  if (typeof body === 'string' && body.trim()) return { message: body.trim().slice(0, 500) };
  return {};
}

function classify(httpStatus: number, error: OpenAiErrorBody): ErrorClass {
  const code = error.code ?? '';
  if (code === 'moderation_blocked' || error.type === 'image_generation_user_error') return 'safety';
  if (httpStatus === 401) return 'auth';
  if (httpStatus === 403) return 'permission';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 429)
    return code === 'insufficient_quota' || error.type === 'insufficient_quota' ? 'quota' : 'rate_limited';
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

export function openAiErrorToGatewayError(
  httpStatus: number,
  body: unknown,
  retryAfterHeader?: string | null,
): GatewayError {
  const error = errorBodyOf(body);
  const errorClass = classify(httpStatus, error);
  const message =
    error.message?.trim() || `The OpenAI upstream answered HTTP ${httpStatus} without an error message.`;
  return new GatewayError({
    errorClass,
    httpStatus: errorClass === 'safety' ? 400 : httpStatus,
    message,
    param: error.param ?? undefined,
    code: error.code ?? error.type ?? undefined,
    retryAfterSeconds: retryAfterSeconds(retryAfterHeader),
  });
}
