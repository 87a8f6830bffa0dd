// One error catalogue for the whole gateway. Routing, health and billing read `errorClass`;
// each door renders a GatewayError in its own envelope (Gemini or OpenAI).

export type ErrorClass =
  | 'bad_request'
  | 'auth'
  | 'permission'
  | 'not_found'
  /** The upstream answered NOT_FOUND for the model it was asked for: the route lost the model. */
  | 'model_gone'
  | 'quota'
  | 'rate_limited'
  | 'overloaded'
  | 'no_channel'
  | 'safety'
  | 'no_image'
  | 'semantic_fail'
  | 'timeout'
  | 'connection'
  | 'upstream_bug'
  | 'internal';

export interface GatewayErrorOptions {
  errorClass: ErrorClass;
  httpStatus: number;
  message: string;
  /** Gemini status string, e.g. INVALID_ARGUMENT. */
  status?: string;
  /** The request field at fault (OpenAI `param`, Gemini BadRequest fieldViolation). */
  param?: string;
  /** OpenAI `code`, e.g. invalid_value, model_not_found. */
  code?: string;
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

const retryableClasses: ReadonlySet<ErrorClass> = new Set([
  'model_gone',
  'quota',
  'rate_limited',
  'overloaded',
  'no_image',
  'semantic_fail',
  'timeout',
  'connection',
  'upstream_bug',
]);

export class GatewayError extends Error {
  readonly errorClass: ErrorClass;
  readonly httpStatus: number;
  readonly status: string;
  readonly param?: string;
  readonly code?: string;
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

  /** Whether another channel might answer differently (routing fails over only on these). */
  get isRetryable(): boolean {
    return retryableClasses.has(this.errorClass);
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

/** Shorthands for the errors raised most often. */
export const errors = {
  badRequest(message: string, param?: string, code = 'invalid_value'): GatewayError {
    return new GatewayError({ errorClass: 'bad_request', httpStatus: 400, message, param, code });
  },
  notFound(message: string, param = 'model'): GatewayError {
    return new GatewayError({
      errorClass: 'not_found',
      httpStatus: 404,
      message,
      param,
      code: 'model_not_found',
    });
  },
  /** A retired model id the policy refuses (HTTP 410 on the OpenAI doors; Gemini renders 404). */
  modelRetired(message: string): GatewayError {
    return new GatewayError({
      errorClass: 'not_found',
      httpStatus: 410,
      message,
      param: 'model',
      code: 'model_retired',
    });
  },
  permission(message: string, param?: string): GatewayError {
    return new GatewayError({
      errorClass: 'permission',
      httpStatus: 403,
      message,
      param,
      code: 'permission_denied',
    });
  },
  internal(message: string, cause?: unknown): GatewayError {
    return new GatewayError({
      errorClass: 'internal',
      httpStatus: 500,
      message,
      cause,
      code: 'internal_error',
    });
  },
};
