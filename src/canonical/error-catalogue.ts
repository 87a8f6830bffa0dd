// The gateway's named errors, one row each: class, HTTP status, wire code and words. Call sites name
// the error (`errorCatalogue.MODEL_NOT_FOUND(message)`); routing reads its class (errors.ts), and
// each door renders it in its own envelope.
import { type ErrorClass, GatewayError, type GatewayErrorOptions } from './errors.js';

/** A code an upstream sent about the caller's own request, passed on as it came (shape checked). */
export type UpstreamCode = string & { readonly upstreamCode: unique symbol };

/** Every `code` a GatewayError may carry (OpenAI's `code`; the Gemini envelope has none). */
export type ErrorCode =
  | 'invalid_value'
  | 'invalid_json'
  | 'invalid_multipart'
  | 'invalid_image_url'
  | 'invalid_image_format'
  | 'image_too_large'
  | 'string_above_max_length'
  | 'missing_required_parameter'
  | 'unsupported_value'
  | 'invalid_request_id'
  | 'field_too_large'
  | 'file_too_large'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'request_timeout'
  | 'headers_too_large'
  | 'malformed_request'
  | 'conflict'
  | 'duplicate_request_id'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'api_key_revoked'
  | 'admin_disabled'
  | 'not_admin'
  | 'missing_admin_key'
  | 'permission_denied'
  | 'model_not_found'
  | 'model_retired'
  | 'key_not_found'
  | 'internal_error'
  | 'insufficient_quota'
  | 'rate_limit_exceeded'
  | 'model_gone'
  | 'upstream_auth'
  | 'upstream_malformed'
  | 'no_image'
  | 'unedited_image'
  | 'moderation_blocked'
  /** A route's failure told in the gateway's words (src/providers/upstream-error.ts). */
  | `upstream_${ErrorClass}`
  | UpstreamCode;

/** What every error of one name shares. */
interface Definition {
  errorClass: ErrorClass;
  httpStatus: number;
  code?: ErrorCode;
  /** Gemini status, only where it differs from the one its HTTP status maps to. */
  status?: string;
  param?: string;
  retryAfterSeconds?: number;
  gatewayBusy?: boolean;
}

/** What one call adds: the words, and where they differ from the row, the field, wait or status. */
type Particulars = Pick<
  GatewayErrorOptions,
  'message' | 'param' | 'retryAfterSeconds' | 'cause' | 'details'
> & {
  httpStatus?: number;
};

export type NamedError<Args extends unknown[]> = ((...args: Args) => GatewayError) & Readonly<Definition>;

/** Fastify's `createError` idea: one row of the table, callable; its fields stay readable. */
function named<Args extends unknown[]>(
  definition: Definition,
  particulars: (...args: Args) => Particulars | string,
): NamedError<Args> {
  const build = (...args: Args): GatewayError => {
    const given = particulars(...args);
    const options: GatewayErrorOptions = { ...definition, message: '' };
    for (const [field, value] of Object.entries(typeof given === 'string' ? { message: given } : given)) {
      if (value !== undefined) (options as unknown as Record<string, unknown>)[field] = value;
    }
    return new GatewayError(options);
  };
  return Object.assign(build, definition);
}

const words = (message: string) => message;
const wordsAbout = (message: string, param?: string) => ({ message, param });

export const errorCatalogue = {
  // The caller's request (400 unless said otherwise).
  INVALID_VALUE: named({ errorClass: 'bad_request', httpStatus: 400, code: 'invalid_value' }, wordsAbout),
  INVALID_JSON: named({ errorClass: 'bad_request', httpStatus: 400, code: 'invalid_json' }, words),
  INVALID_MULTIPART: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'invalid_multipart' },
    wordsAbout,
  ),
  INVALID_IMAGE_URL: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'invalid_image_url' },
    (message: string, param?: string, cause?: unknown) => ({ message, param, cause }),
  ),
  INVALID_IMAGE_FORMAT: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'invalid_image_format' },
    wordsAbout,
  ),
  IMAGE_TOO_LARGE: named({ errorClass: 'bad_request', httpStatus: 400, code: 'image_too_large' }, wordsAbout),
  PROMPT_TOO_LONG: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'string_above_max_length' },
    wordsAbout,
  ),
  MISSING_PARAMETER: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'missing_required_parameter' },
    wordsAbout,
  ),
  UNSUPPORTED_VALUE: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'unsupported_value' },
    wordsAbout,
  ),
  INVALID_REQUEST_ID: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'invalid_request_id', param: 'x-request-id' },
    words,
  ),
  FIELD_TOO_LARGE: named({ errorClass: 'bad_request', httpStatus: 400, code: 'field_too_large' }, wordsAbout),
  /** The request is larger than the model accepts inline. */
  PAYLOAD_TOO_LARGE_FOR_MODEL: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'request_too_large', param: 'contents' },
    words,
  ),
  /** The body is larger than the gateway's body limit. */
  BODY_TOO_LARGE: named({ errorClass: 'bad_request', httpStatus: 413, code: 'request_too_large' }, words),
  FILE_TOO_LARGE: named({ errorClass: 'bad_request', httpStatus: 413, code: 'file_too_large' }, wordsAbout),
  UNSUPPORTED_MEDIA_TYPE: named(
    { errorClass: 'bad_request', httpStatus: 415, code: 'unsupported_media_type' },
    () =>
      'Unsupported Content-Type. Send the body as application/json (multipart/form-data on /v1/images/edits).',
  ),
  /** A client error Fastify or Node raised, in its own words and status (no code of ours). */
  MALFORMED_REQUEST: named(
    { errorClass: 'bad_request', httpStatus: 400 },
    (message: string, httpStatus?: number) => ({
      message,
      httpStatus,
    }),
  ),
  NO_ROUTE: named(
    { errorClass: 'bad_request', httpStatus: 404 },
    (method: string, path: string) => `No route ${method} ${path}.`,
  ),
  REQUEST_TIMEOUT: named(
    { errorClass: 'bad_request', httpStatus: 408, code: 'request_timeout' },
    () => 'The request did not arrive in time: its headers or body stopped coming. Send it again.',
  ),
  HEADERS_TOO_LARGE: named(
    { errorClass: 'bad_request', httpStatus: 431, code: 'headers_too_large' },
    () => 'The request headers are too large.',
  ),
  NOT_HTTP: named(
    { errorClass: 'bad_request', httpStatus: 400, code: 'malformed_request' },
    () => 'The request is not valid HTTP/1.1.',
  ),
  CLIENT_GONE: named({ errorClass: 'bad_request', httpStatus: 499 }, () => 'The client closed the request.'),
  CONFLICT: named({ errorClass: 'bad_request', httpStatus: 409, code: 'conflict', param: 'name' }, words),
  DUPLICATE_REQUEST_ID: named(
    { errorClass: 'bad_request', httpStatus: 409, code: 'duplicate_request_id', param: 'x-request-id' },
    (requestId: string) =>
      `x-request-id "${requestId}" was already used with this API key (by a request that is finished or still running); it is never served twice. Send a new x-request-id for a new request, or none.`,
  ),
  MODERATION_BLOCKED: named({ errorClass: 'safety', httpStatus: 400, code: 'moderation_blocked' }, words),

  // Who calls.
  /** No key on the Gemini door (Google's own words). */
  NO_API_KEY: named(
    { errorClass: 'auth', httpStatus: 403, code: 'missing_api_key' },
    () =>
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  ),
  /** No key on the OpenAI doors (OpenAI's own words). */
  NO_BEARER_KEY: named(
    { errorClass: 'auth', httpStatus: 401, code: 'missing_api_key' },
    () =>
      "You didn't provide an API key. Send your imagegate client key in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).",
  ),
  INVALID_API_KEY: named(
    { errorClass: 'auth', httpStatus: 401, code: 'invalid_api_key' },
    (message: string) => ({
      message,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
      ],
    }),
  ),
  API_KEY_REVOKED: named(
    { errorClass: 'auth', httpStatus: 403, code: 'api_key_revoked' },
    () => 'This API key has been revoked. Ask the gateway admin for a new key (imagegate keys create).',
  ),
  ADMIN_DISABLED: named(
    { errorClass: 'permission', httpStatus: 403, code: 'admin_disabled' },
    () => 'The admin API is disabled: start the gateway with IMAGEGATE_ADMIN_KEY set.',
  ),
  NOT_ADMIN: named(
    { errorClass: 'permission', httpStatus: 403, code: 'not_admin' },
    () => 'This key may not use the admin API (client keys are refused); use the IMAGEGATE_ADMIN_KEY.',
  ),
  MISSING_ADMIN_KEY: named(
    { errorClass: 'permission', httpStatus: 401, code: 'missing_admin_key' },
    () => 'The admin API needs Authorization: Bearer <IMAGEGATE_ADMIN_KEY>.',
  ),
  PERMISSION_DENIED: named(
    { errorClass: 'permission', httpStatus: 403, code: 'permission_denied' },
    wordsAbout,
  ),

  // What is asked for.
  MODEL_NOT_FOUND: named(
    { errorClass: 'not_found', httpStatus: 404, code: 'model_not_found', param: 'model' },
    wordsAbout,
  ),
  /** A retired model id the policy refuses (the OpenAI doors and admin; the Gemini door answers 404). */
  MODEL_RETIRED: named(
    { errorClass: 'not_found', httpStatus: 410, code: 'model_retired', param: 'model' },
    words,
  ),
  /** A stored response or interaction that is absent, expired, deleted or another key's. */
  STORED_TURN_NOT_FOUND: named({ errorClass: 'not_found', httpStatus: 404 }, wordsAbout),
  KEY_NOT_FOUND: named(
    { errorClass: 'not_found', httpStatus: 404, code: 'key_not_found', param: 'id' },
    (idOrName: string) => `No client key with id or name "${idOrName}". GET /admin/keys lists them.`,
  ),
  /** Every route serving the model lost it upstream. */
  MODEL_GONE: named(
    { errorClass: 'model_gone', httpStatus: 404, code: 'model_gone', param: 'model' },
    (modelId: string, channels: readonly string[]) =>
      `Model "${modelId}" is not available: its upstreams (channels ${channels.join(', ')}) no longer serve it. Choose another model from this gateway's model list, or ask the gateway admin to run \`imagegate models sync\` and route it elsewhere.`,
  ),
  NO_CHANNEL: named(
    { errorClass: 'no_channel', httpStatus: 503 },
    (message: string, retryAfterSeconds?: number) => ({
      message,
      retryAfterSeconds,
    }),
  ),

  // The caller's limits.
  SPEND_LIMIT_REACHED: named(
    { errorClass: 'quota', httpStatus: 429, code: 'insufficient_quota' },
    (message: string, retryAfterSeconds?: number) => ({ message, retryAfterSeconds }),
  ),
  RATE_LIMIT_EXCEEDED: named(
    { errorClass: 'rate_limited', httpStatus: 429, code: 'rate_limit_exceeded' },
    (message: string, retryAfterSeconds: number) => ({ message, retryAfterSeconds }),
  ),

  // The gateway's own capacity.
  BODY_MEMORY_FULL: named({ errorClass: 'overloaded', httpStatus: 503, retryAfterSeconds: 1 }, words),
  /** Never counts against the route: one client's flood must not take a route out of service. */
  PIXEL_MEMORY_FULL: named(
    { errorClass: 'overloaded', httpStatus: 503, retryAfterSeconds: 1, gatewayBusy: true },
    words,
  ),
  PRIMARY_NOT_ANSWERING: named({ errorClass: 'overloaded', httpStatus: 503, retryAfterSeconds: 1 }, words),

  // Routes and upstreams.
  UPSTREAM_AUTH: named({ errorClass: 'auth', httpStatus: 502, code: 'upstream_auth' }, words),
  /** Every key of a channel rests after quota or rate-limit failures. */
  KEYS_RESTING: named(
    { errorClass: 'quota', httpStatus: 429, retryAfterSeconds: 60 },
    (channel: string) => `Every API key of channel "${channel}" is resting after quota or auth failures.`,
  ),
  UPSTREAM_UNREACHABLE: named(
    { errorClass: 'connection', httpStatus: 502 },
    (message: string, cause?: unknown) => ({
      message,
      cause,
    }),
  ),
  UPSTREAM_TIMEOUT: named({ errorClass: 'timeout', httpStatus: 504 }, (message: string, cause?: unknown) => ({
    message,
    cause,
  })),
  /** A remote input image stalled past its time cap. */
  IMAGE_FETCH_TIMEOUT: named(
    { errorClass: 'timeout', httpStatus: 502 },
    (message: string, cause?: unknown) => ({
      message,
      cause,
    }),
  ),
  /** An answer that is not what the upstream's protocol promises. */
  UPSTREAM_BAD_ANSWER: named({ errorClass: 'upstream_bug', httpStatus: 502 }, words),
  UPSTREAM_MALFORMED: named(
    { errorClass: 'upstream_bug', httpStatus: 502, code: 'upstream_malformed' },
    words,
  ),
  /** One route answered without an image (the dispatcher tries the next). */
  ROUTE_NO_IMAGE: named(
    { errorClass: 'no_image', httpStatus: 502 },
    (channel: string, finishReason: string) =>
      `Upstream channel "${channel}" answered without an image (finishReason ${finishReason}).`,
  ),
  /** No route answered with an image (what the OpenAI Images door tells its client). */
  NO_IMAGE: named({ errorClass: 'no_image', httpStatus: 502, code: 'no_image' }, words),
  UNEDITED_IMAGE: named(
    { errorClass: 'semantic_fail', httpStatus: 502, code: 'unedited_image' },
    (channel: string) =>
      `Upstream channel "${channel}" returned the input image unchanged instead of an edited one.`,
  ),

  // The gateway's own failures.
  INTERNAL: named(
    { errorClass: 'internal', httpStatus: 500, code: 'internal_error' },
    (message: string, cause?: unknown) => ({ message, cause }),
  ),
  /** Any failure that is not a GatewayError, told in the gateway's words; the error stays in `cause`. */
  UNEXPECTED: named({ errorClass: 'internal', httpStatus: 500 }, (cause: unknown) => ({
    message:
      'Internal gateway error. The gateway logged the details under the request id in the x-request-id response header; retry, or give the id to the gateway admin.',
    cause,
  })),
  NO_CALL_MADE: named({ errorClass: 'internal', httpStatus: 500 }, () => 'No call was made.'),
  /** The gateway makes every turn id; one stored twice is its own bug, never the caller's. */
  CONVERSATION_TURN_EXISTS: named(
    { errorClass: 'internal', httpStatus: 500, code: 'internal_error' },
    (door: string, id: string) => `Conversation turn "${id}" of door ${door} is already stored.`,
  ),
};

/** What an upstream said about a failure, classified (src/providers/upstream-error.ts words it). */
export type UpstreamAnswer = Omit<GatewayErrorOptions, 'gatewayBusy'>;

/**
 * An upstream's failure, built from its status and class: the one catalogue entry whose class and
 * status are not fixed, since they follow what the upstream answered.
 */
export function upstreamFailure(answer: UpstreamAnswer): GatewayError {
  return new GatewayError(answer);
}

const upstreamCodeShape = /^[A-Za-z0-9_.-]{1,64}$/;

/** The upstream's own code, passed on when it has a code's shape (nothing else of its text is). */
export function upstreamCode(code: string | null | undefined): UpstreamCode | undefined {
  return code && upstreamCodeShape.test(code) ? (code as UpstreamCode) : undefined;
}
