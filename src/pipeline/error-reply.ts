// Sends a failure as a GatewayError in one envelope. Each door's Fastify scope sets its own handler
// with `errorHandlerFor(itsEnvelope)`; src/server/render-error.ts picks the envelope for paths no door
// answers.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { GatewayError } from '../canonical/errors.js';
import { asGatewayError } from '../routing/failover-policy.js';

export type ErrorRenderer = (error: GatewayError) => unknown;

/** A framework message quoting client input is cut short: an error answer is never an echo. */
function shortened(message: string): string {
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** Fastify's own client errors (body parsing, limits) as catalogue errors; undefined for the rest. */
function fromFastify(error: FastifyError): GatewayError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errorCatalogue.BODY_TOO_LARGE(`${error.message}. Send smaller or fewer images.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errorCatalogue.UNSUPPORTED_MEDIA_TYPE();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errorCatalogue.MALFORMED_REQUEST(error.message);
    // These two quote the client's URL whole in their message: answered without echoing it.
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return errorCatalogue.MALFORMED_REQUEST(
        'A path parameter is longer than 100 characters; no id of this gateway is that long.',
        414,
      );
    case 'FST_ERR_BAD_URL':
      return errorCatalogue.MALFORMED_REQUEST('The URL has a path component that does not decode.', 400);
    default:
      return error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? errorCatalogue.MALFORMED_REQUEST(shortened(error.message), error.statusCode)
        : undefined;
  }
}

export function gatewayErrorOf(error: unknown): GatewayError {
  return error instanceof GatewayError
    ? error
    : (fromFastify(error as FastifyError) ?? asGatewayError(error));
}

export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  render: ErrorRenderer,
): void {
  const failure = gatewayErrorOf(error);
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
    .send(JSON.stringify(render(failure)));
}

/** A door's error handler: every failure under its scope in its own envelope. */
export function errorHandlerFor(render: ErrorRenderer) {
  return function renderDoorError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    sendError(error, request, reply, render);
  };
}
