// Sends a JSON reply built by jsonWithImagesPieces: its images are views of the upstream answers'
// bytes (counted when they were read), written one after the other with a Content-Length, so no
// body-sized string or copy is made.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { piecesLength } from '../../canonical/json-with-images.js';

export function sendJsonPieces(reply: FastifyReply, pieces: readonly Buffer[]): FastifyReply {
  reply.type('application/json; charset=utf-8');
  if (pieces.length === 1) return reply.send(pieces[0]);
  reply.header('content-length', piecesLength(pieces));
  return reply.send(Readable.from(pieces, { objectMode: false }));
}
