// The gateway's error type and its classes. Routing, health and billing read `errorClass` (and the
// per-class table below); the named errors are in error-catalogue.ts; each door renders a
// GatewayError in its own envelope (Gemini or OpenAI).
import type { ErrorCode } from './error-catalogue.js';

/**
 * What routing does with a failure of each class: the one table the failover policy
 * (src/routing/failover-policy.ts) reads. A class that fails over is the route's fault, so another
 * route may answer differently; the others are the caller's own answer (a mistake, a block, the
 * gateway's own bug).
 */
export interface ErrorClassPolicy {
  /** The dispatcher tries the next route. */
  failsOver: boolean;
  /** It says something about the (channel, model) route, so it counts against the route's circuit. */
  countsAgainstRoute: boolean;
  /** It is about one API key: the key rests and the channel's next key is tried. */
  keyFailure: boolean;
  /** The upstream no longer has the model: the route is set aside until a sync or retest finds it. */
  marksRouteGone: boolean;
}

const finalAnswer = { failsOver: false, countsAgainstRoute: false, keyFailure: false, marksRouteGone: false };
const routeFailure = { failsOver: true, countsAgainstRoute: true, keyFailure: false, marksRouteGone: false };

export const errorClasses = {
  bad_request: finalAnswer,
  /** The channel's credentials (an upstream 401/403): another key or route, never the route's circuit. */
  auth: { failsOver: true, countsAgainstRoute: false, keyFailure: true, marksRouteGone: false },
  /** The caller's own key may not do this. */
  permission: finalAnswer,
  not_found: routeFailure,
  /** The upstream answered NOT_FOUND for the model it was asked for: the route lost the model. */
  model_gone: { failsOver: true, countsAgainstRoute: true, keyFailure: false, marksRouteGone: true },
  /** A key out of quota: another key or route, never the route's circuit. */
  quota: { failsOver: true, countsAgainstRoute: false, keyFailure: true, marksRouteGone: false },
  rate_limited: { failsOver: true, countsAgainstRoute: true, keyFailure: true, marksRouteGone: false },
  overloaded: routeFailure,
  no_channel: routeFailure,
  safety: finalAnswer,
  no_image: routeFailure,
  semantic_fail: routeFailure,
  timeout: routeFailure,
  connection: routeFailure,
  upstream_bug: routeFailure,
  internal: finalAnswer,
} as const satisfies Record<string, ErrorClassPolicy>;

export type ErrorClass = keyof typeof errorClasses;

export interface GatewayErrorOptions {
  errorClass: ErrorClass;
  httpStatus: number;
  message: string;
  /** Gemini status string, e.g. INVALID_ARGUMENT. */
  status?: string;
  /** The request field at fault (OpenAI `param`, Gemini BadRequest fieldViolation). */
  param?: string;
  /** OpenAI `code`, e.g. invalid_value, model_not_found. */
  code?: ErrorCode;
  /** Seconds the caller should wait before retrying (429/503). */
  retryAfterSeconds?: number;
  /** Extra Gemini `details` entries (google.rpc.*). */
  details?: unknown[];
  /**
   * The gateway's own capacity said no (e.g. its pixel-memory bound was full), not the route: it may
   * fail over, but never counts against the route's circuit, so one client's flood cannot take a
   * route out of service for the others.
   */
  gatewayBusy?: boolean;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly errorClass: ErrorClass;
  readonly httpStatus: number;
  readonly status: string;
  readonly param?: string;
  readonly code?: ErrorCode;
  readonly retryAfterSeconds?: number;
  readonly details?: unknown[];
  readonly gatewayBusy: boolean;

  constructor(options: GatewayErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'GatewayError';
    this.errorClass = options.errorClass;
    this.httpStatus = options.httpStatus;
    this.status = options.status ?? googleStatusFor(options.httpStatus);
    this.param = options.param;
    this.code = options.code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
    this.gatewayBusy = options.gatewayBusy ?? false;
  }

  /** The same error naming another request field (a door's own name for a canonical path). */
  withParam(param: string): GatewayError {
    return new GatewayError({
      errorClass: this.errorClass,
      httpStatus: this.httpStatus,
      status: this.status,
      message: this.message,
      param,
      code: this.code,
      retryAfterSeconds: this.retryAfterSeconds,
      details: this.details,
      cause: this,
    });
  }
}

export function googleStatusFor(httpStatus: number): string {
  switch (httpStatus) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 408:
    case 504:
      return 'DEADLINE_EXCEEDED';
    case 409:
      return 'ABORTED';
    case 413:
      return 'INVALID_ARGUMENT';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    default:
      return httpStatus >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}
