// Aborts a request's upstream work when its client disconnects before the answer is written, so
// an abandoned call stops costing upstream time (and its hold is settled as interrupted).
// An AbortSignal and its listeners cost a few per cent of a small request's CPU, and almost no
// client leaves early: the dispatcher subscribes with onAbort (a plain callback), and an
// AbortSignal is made only if some code asks for `signal`.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { CancelSignal } from '../routing/dispatch.js';

export class ClientGone implements CancelSignal {
  private controller: AbortController | undefined;
  private readonly listeners = new Set<() => void>();
  private left = false;

  constructor(raw: ServerResponse) {
    raw.once('close', () => {
      if (!raw.writableFinished) this.abort();
    });
  }

  get aborted(): boolean {
    return this.left;
  }

  /** An AbortSignal that aborts when the client leaves (for fetch and other AbortSignal users). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.left) this.controller.abort();
    }
    return this.controller.signal;
  }

  onAbort(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The client is gone (called on the response's early close, or by a door that saw it first). */
  abort(): void {
    if (this.left) return;
    this.left = true;
    this.controller?.abort();
    for (const listener of [...this.listeners]) listener();
  }
}

export function abortWhenClientLeaves(reply: FastifyReply): ClientGone {
  return new ClientGone(reply.raw);
}
