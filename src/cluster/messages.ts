// Messages between the primary of `serve` with `server.workers` > 1 and its worker processes
// (Node's cluster IPC channel). Workers ask; the primary answers by id. Besides shared state
// (src/shared-state/node-primary/messages.ts), workers ask for the node's summed metrics and for a
// commit round, in which the primary asks every worker to commit its pending writes; the primary
// also tells them when every worker listens.
import type { GatewayErrorOptions } from '../canonical/errors.js';
import type { StateNotice, StateQuestion } from '../shared-state/node-primary/messages.js';

/** A question before the channel gives it its id. */
export type Question = StateQuestion | { imagegate: 'metrics' } | { imagegate: 'commit-everywhere' };

/** A worker's question that the primary answers with a `reply` of the same id. */
export type WorkerQuestion = Question & { id: number };

/** A worker's message that needs no answer. */
export type WorkerNotice = StateNotice | { imagegate: 'committed'; round: number };

export type WorkerMessage = WorkerQuestion | WorkerNotice;

/** What a refused question carries: a GatewayError's fields, or a plain message. */
export type ReplyError = Pick<
  GatewayErrorOptions,
  'errorClass' | 'httpStatus' | 'code' | 'message' | 'retryAfterSeconds'
> & { gateway: boolean };

export type PrimaryMessage =
  | { imagegate: 'reply'; id: number; value: unknown }
  | { imagegate: 'reply'; id: number; error: ReplyError }
  | { imagegate: 'commit'; round: number }
  | { imagegate: 'node-listening' };

export function isImagegateMessage(message: unknown): message is { imagegate: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { imagegate?: unknown }).imagegate === 'string'
  );
}
