// The one place an upstream's failure text enters the gateway: a classified upstream error becomes
// the GatewayError the client, the logs and health see. Failures that are the route's (credentials,
// quota, rate limits, 5xx, timeouts, unknown models) are told in the gateway's own words naming the
// channel, so an upstream's 401 is never read as the caller's key being bad; only the caller's own
// mistakes (a 4xx about the request, a safety block) keep the upstream's message, scrubbed. Pure.
import type { ErrorClass, GatewayError } from '../canonical/errors.js';
import { upstreamCode, upstreamFailure } from '../canonical/error-catalogue.js';
import { knownSecrets } from '../security/known-secrets.js';
import { scrubSecrets, scrubSecretsDeep } from '../security/scrub-secrets.js';

export interface UpstreamFailure {
  channelName: string;
  /** The status the upstream answered with (200 for an error inside a 2xx body or stream). */
  upstreamStatus: number;
  errorClass: ErrorClass;
  /** The upstream's own message, unscrubbed; only the caller's own mistakes show it (scrubbed). */
  upstreamMessage?: string;
  /** Gemini `status` (e.g. INVALID_ARGUMENT) as the upstream sent it. */
  status?: string;
  param?: string | null;
  code?: string | null;
  retryAfterSeconds?: number;
  /** Gemini `details` as the upstream sent them. */
  details?: unknown;
}

/** Classes whose message is about the caller's request, so the upstream's words may pass. */
const callersOwnClasses: ReadonlySet<ErrorClass> = new Set(['bad_request', 'safety']);

const googleStatusShape = /^[A-Z][A-Z_]{2,39}$/;

function routeFailureWords(failure: UpstreamFailure): string {
  const channel = `Upstream channel "${failure.channelName}"`;
  const http = `HTTP ${failure.upstreamStatus}`;
  switch (failure.errorClass) {
    case 'auth':
    case 'permission':
      return `${channel} rejected its credentials (${http}); the request was offered to the other channels.`;
    case 'quota':
      return `${channel} is out of quota (${http}); retry later or on another model.`;
    case 'rate_limited':
      return `${channel} is rate limited (${http}); retry shortly.`;
    case 'timeout':
      return `${channel} timed out (${http}).`;
    case 'not_found':
      return `${channel} does not know the model it was asked for (${http}); check its modelMap.`;
    case 'model_gone':
      return `${channel} no longer serves the model it was asked for (${http}); the route is set aside until a model sync or a retest finds the model again.`;
    default:
      return `${channel} failed (${http}).`;
  }
}

/** The client's status for a route failure: never 401/403 (those would blame the caller's key). */
function routeFailureStatus(failure: UpstreamFailure): number {
  switch (failure.errorClass) {
    case 'quota':
    case 'rate_limited':
      return 429;
    case 'timeout':
      return 504;
    case 'overloaded':
      return failure.upstreamStatus === 503 ? 503 : 502;
    default:
      return 502;
  }
}

export function upstreamError(failure: UpstreamFailure): GatewayError {
  // A 403 is the channel's credentials or project lacking access, never the caller's key.
  const errorClass = failure.errorClass === 'permission' ? 'auth' : failure.errorClass;
  const secrets = knownSecrets();
  const scrub = (text: string | null | undefined) =>
    text === undefined || text === null || text.trim() === '' ? undefined : scrubSecrets(text, secrets);
  const callersOwn = callersOwnClasses.has(errorClass);
  if (callersOwn) {
    const details = Array.isArray(failure.details)
      ? (scrubSecretsDeep(failure.details, secrets) as unknown[])
      : undefined;
    return upstreamFailure({
      errorClass,
      httpStatus: errorClass === 'safety' || failure.upstreamStatus < 400 ? 400 : failure.upstreamStatus,
      status: failure.status && googleStatusShape.test(failure.status) ? failure.status : undefined,
      message:
        scrub(failure.upstreamMessage) ??
        `Upstream channel "${failure.channelName}" rejected the request (HTTP ${failure.upstreamStatus}).`,
      param: scrub(failure.param),
      code: upstreamCode(failure.code),
      retryAfterSeconds: failure.retryAfterSeconds,
      details: details && details.length > 0 ? details : undefined,
    });
  }
  const upstreamWords = scrub(failure.upstreamMessage);
  const classified = { ...failure, errorClass };
  return upstreamFailure({
    errorClass,
    httpStatus: routeFailureStatus(classified),
    message: routeFailureWords(classified),
    code: `upstream_${errorClass}`,
    retryAfterSeconds: failure.retryAfterSeconds,
    // Kept for whoever logs the error's cause: the upstream's words, scrubbed.
    cause: upstreamWords === undefined ? undefined : new Error(upstreamWords),
  });
}
