// Sends any failure in the envelope of the door the client called: Gemini for /v1beta, OpenAI for /v1.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../canonical/errors.js';
import { geminiErrorBody } from '../doors/gemini/render-error.js';
import { asGatewayError } from '../routing/failover-policy.js';

export type ErrorRenderer = (error: GatewayError) => unknown;

const renderers: Array<{ prefix: string; render: ErrorRenderer }> = [];

/** Doors register their envelope for their path prefix (longest prefix wins). */
export function registerErrorRenderer(prefix: string, render: ErrorRenderer): void {
  // Registering a prefix again (one app per test) replaces it instead of piling up.
  const existing = renderers.findIndex((entry) => entry.prefix === prefix);
  if (existing !== -1) renderers.splice(existing, 1);
  renderers.push({ prefix, render });
  renderers.sort((left, right) => right.prefix.length - left.prefix.length);
}

function fromFastify(error: FastifyError): GatewayError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError({
        errorClass: 'bad_request',
        httpStatus: 413,
        status: 'INVALID_ARGUMENT',
        code: 'request_too_large',
        message: `${error.message}. Send smaller or fewer images.`,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError({
        errorClass: 'bad_request',
        httpStatus: 415,
        status: 'INVALID_ARGUMENT',
        code: 'unsupported_media_type',
        message:
          'Unsupported Content-Type. Send the body as application/json (multipart/form-data on /v1/images/edits).',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError({ errorClass: 'bad_request', httpStatus: 400, message: error.message });
    default:
      return error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? new GatewayError({
            errorClass: 'bad_request',
            httpStatus: error.statusCode,
            message: error.message,
          })
        : undefined;
  }
}

export function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const failure =
    error instanceof GatewayError ? error : (fromFastify(error as FastifyError) ?? asGatewayError(error));
  if (failure.httpStatus >= 500 && failure.errorClass === 'internal') {
    request.log.error({ err: error, requestId: request.id }, 'internal error');
  }
  if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds));
  // A body refused before it was read (a stranger's, or one sent to no route): keeping the connection
  // makes Node drain the rest unread into nothing, so the client finishes sending and reads this
  // answer, instead of a closed connection mid-upload (EPIPE) that hides it. A body too large to drain
  // (413) still closes; a stalled one meets the request timeout.
  if (!request.raw.complete && failure.httpStatus !== 413) reply.header('connection', 'keep-alive');
  reply
    .code(failure.httpStatus)
    .type('application/json; charset=UTF-8')
    .send(errorEnvelopeText(request.url, failure));
}

/** The error as the JSON text of the envelope of the door that `url` belongs to. */
export function errorEnvelopeText(url: string, failure: GatewayError): string {
  const path = url.split('?')[0];
  const renderer = renderers.find((entry) => path.startsWith(entry.prefix))?.render ?? geminiErrorBody;
  return JSON.stringify(renderer(failure));
}
