// A bound on the bytes of large bodies held in memory at once: request bodies, and the answers
// going back. A request whose body would go over it waits (first come, first served) before its
// body is read, so the rest of its bytes stay in the kernel's socket buffers and the client is
// slowed by TCP instead of the gateway growing without limit. Answers are counted as they leave
// (they are in memory already), so new bodies wait for them too. Bytes are given back when the
// response is finished or abandoned.
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../canonical/errors.js';

export interface BodyMemoryOptions {
  /** Bytes of request bodies held at once. One body larger than this is still let in, alone. */
  limitBytes: number;
  /** How long a request may wait for room before it is answered 503 with Retry-After. */
  maxWaitMs: number;
}

interface Waiter {
  bytes: number;
  admit: () => void;
}

export class BodyMemory {
  private heldBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly options: BodyMemoryOptions) {}

  /** Bytes held by bodies being read or served now. */
  get held(): number {
    return this.heldBytes;
  }

  /** Requests waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once `bytes` fit; release exactly once when the request is
   * done. Throws a 503 GatewayError if no room was made within `maxWaitMs`.
   */
  async acquire(bytes: number): Promise<() => void> {
    if (this.waiters.length === 0 && this.fits(bytes)) return this.take(bytes);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(this.busyError());
        this.admitWaiters();
      }, this.options.maxWaitMs);
      this.waiters.push(waiter);
    });
    return this.release.bind(this, bytes, { released: false });
  }

  /**
   * Counts bytes already in memory (a large answer on its way out) without waiting: requests that
   * arrive meanwhile wait for them too. Release exactly once when the response is done.
   */
  count(bytes: number): () => void {
    return this.take(bytes);
  }

  private fits(bytes: number): boolean {
    return this.heldBytes === 0 || this.heldBytes + bytes <= this.options.limitBytes;
  }

  private take(bytes: number): () => void {
    this.heldBytes += bytes;
    return this.release.bind(this, bytes, { released: false });
  }

  private release(bytes: number, state: { released: boolean }): void {
    if (state.released) return;
    state.released = true;
    this.heldBytes -= bytes;
    this.admitWaiters();
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0].bytes)) {
      const waiter = this.waiters.shift()!;
      this.heldBytes += waiter.bytes;
      waiter.admit();
    }
  }

  private busyError(): GatewayError {
    return new GatewayError({
      errorClass: 'overloaded',
      httpStatus: 503,
      status: 'UNAVAILABLE',
      message: `The gateway is holding ${Math.round(this.options.limitBytes / 1048576)} MiB of request bodies (server.bodyMemoryBytes) and no room was made within ${Math.round(this.options.maxWaitMs / 1000)} s. Retry shortly.`,
      retryAfterSeconds: 1,
    });
  }
}

/**
 * Counts bytes against the bound until the response is done, whether the client read it all or
 * left. Undefined without a bound.
 */
export function countUntilResponseEnds(
  memory: BodyMemory | undefined,
  reply: FastifyReply,
): ((bytes: number) => void) | undefined {
  if (!memory) return undefined;
  return (bytes) => {
    reply.raw.once('close', memory.count(bytes));
  };
}
