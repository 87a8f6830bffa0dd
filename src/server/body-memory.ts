// A bound on the bytes of large bodies held in memory at once: request bodies, and the answers
// going back. A request whose body would go over it waits (first come, first served) before its
// body is read, so the rest of its bytes stay in the kernel's socket buffers and the client is
// slowed by TCP instead of the gateway growing without limit. Each large request reserves room for
// an answer of its size too; a larger answer is counted as it is read (or as it leaves, when the
// gateway built it), never waiting, so new bodies wait for it. Bytes are given back when the
// response is finished or abandoned.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../canonical/errors.js';

export interface BodyMemoryOptions {
  /** Bytes of large bodies held at once. One request larger than this is still let in, alone. */
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
    // admitWaiters has added the bytes already.
    return this.releaser(bytes);
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
    return this.releaser(bytes);
  }

  private releaser(bytes: number): () => void {
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

const responseMemories = new WeakMap<ServerResponse, ResponseMemory>();

/**
 * One response's share of the bound. A large request reserves room for its body and for an answer
 * as large as its body (an edit usually returns an image of about the size it sent); an answer
 * beyond that allowance, or to a small request, is counted as it is read. Everything is given back
 * when the response is done, whether the client read it all or left.
 */
class ResponseMemory {
  constructor(
    private readonly memory: BodyMemory,
    private readonly response: ServerResponse,
    private answerAllowance: number,
  ) {}

  countAnswer(bytes: number): void {
    const fromAllowance = Math.min(bytes, this.answerAllowance);
    this.answerAllowance -= fromAllowance;
    if (bytes > fromAllowance) this.response.once('close', this.memory.count(bytes - fromAllowance));
  }
}

/** Waits for room for a large request's body and its answer; call before the body is read. */
export async function reserveForRequest(
  memory: BodyMemory,
  response: ServerResponse,
  bodyBytes: number,
): Promise<void> {
  response.once('close', await memory.acquire(2 * bodyBytes));
  responseMemories.set(response, new ResponseMemory(memory, response, bodyBytes));
}

/** Counts a large answer (read from the upstream, or on its way out) against the bound. */
export function countAnswer(memory: BodyMemory, response: ServerResponse, bytes: number): void {
  let share = responseMemories.get(response);
  if (!share) {
    share = new ResponseMemory(memory, response, 0);
    responseMemories.set(response, share);
  }
  share.countAnswer(bytes);
}

/** A door's hook for the provider: counts an upstream answer for this response. */
export function answerCounter(
  memory: BodyMemory | undefined,
  reply: FastifyReply,
): ((bytes: number) => void) | undefined {
  if (!memory) return undefined;
  return (bytes) => countAnswer(memory, reply.raw, bytes);
}
