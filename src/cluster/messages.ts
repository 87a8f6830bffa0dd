// Messages between the primary of `serve` with `server.workers` > 1 and its worker processes
// (Node's cluster IPC channel). Workers ask; the primary answers by id, and asks every worker to
// commit its pending writes when one of them must read what all have written, and tells them when
// every worker listens.
import type { AdmissionRequest } from '../billing/admission.js';
import type { GatewayErrorOptions } from '../canonical/errors.js';

/** A worker's question that the primary answers with a `reply` of the same id. */
export type WorkerQuestion =
  | { imagegate: 'admit'; id: number; request: AdmissionRequest }
  | { imagegate: 'retest-lock'; id: number; ttlMs: number }
  | { imagegate: 'metrics'; id: number }
  | { imagegate: 'circuit-success'; id: number; channel: string; model: string }
  | {
      imagegate: 'circuit-failure';
      id: number;
      channel: string;
      model: string;
      failure: { errorClass: string; wasProbe: boolean; failureThreshold: number };
    }
  | { imagegate: 'circuits'; id: number }
  | { imagegate: 'commit-everywhere'; id: number };

/** A worker's message that needs no answer. */
export type WorkerNotice =
  | { imagegate: 'release'; pass: number }
  | { imagegate: 'retest-unlock'; lease: number }
  | { imagegate: 'committed'; round: number };

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
