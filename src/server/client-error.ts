// Failures Node reports on a connection rather than a request (a body or headers that stop arriving,
// oversized headers, broken HTTP): answered in the envelope of the door the request was for, as
// every other error is, then the connection is closed.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { errorEnvelopeText } from './render-error.js';

/** The URL of the request a connection is carrying (the latest one on a kept-alive connection). */
const urlOfConnection = new WeakMap<Socket, string>();

export function rememberRequestUrl(socket: Socket | null | undefined, url: string): void {
  if (socket) urlOfConnection.set(socket, url);
}

function failureOf(error: NodeJS.ErrnoException): GatewayError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errorCatalogue.REQUEST_TIMEOUT();
  if (error.code === 'HPE_HEADER_OVERFLOW') return errorCatalogue.HEADERS_TOO_LARGE();
  return errorCatalogue.NOT_HTTP();
}

/** Fastify's clientErrorHandler: writes the door's error and closes the connection. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const failure = failureOf(error);
    const body = errorEnvelopeText(urlOfConnection.get(socket) ?? '/', failure);
    socket.write(
      `HTTP/1.1 ${failure.httpStatus} ${STATUS_CODES[failure.httpStatus]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=UTF-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
