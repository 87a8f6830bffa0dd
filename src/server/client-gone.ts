// Aborts a request's upstream work when its client disconnects before the answer is written, so
// an abandoned call stops costing upstream time (and its hold is settled as interrupted).
import type { FastifyReply } from 'fastify';

export function abortWhenClientLeaves(
  reply: FastifyReply,
  controller = new AbortController(),
): AbortController {
  const raw = reply.raw;
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  return controller;
}
