// Memory accounting as one Fastify plugin: every request carries one `memory` object with its share
// of the body-memory bound (server.bodyMemoryBytes, src/pipeline/body-memory.ts) and its reused buffers
// (src/http/buffer-pool.ts); the upstream call receives the same object. All it holds is given back
// when the response is over: finished, abandoned by its client, or failed.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type BufferPool, RequestBuffers } from '../http/buffer-pool.js';
import type { AttemptMemory } from '../routing/dispatch.js';
import { countedBodyBytes } from '../security/limits.js';
import { type BodyMemory, ClientLeftError } from './body-memory.js';
import { ClientGone } from './client-gone.js';

export interface MemoryAccountingOptions {
  /** The bound on large bodies held at once (absent: unbounded). */
  bound?: BodyMemory;
  /** Large buffers reused across requests (absent: every body is a new allocation). */
  pool?: BufferPool;
  /** A body declared larger is refused unread: no room is reserved for it. */
  bodyLimitBytes: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's share of the memory bound and its reused buffers (src/pipeline/memory-accounting.ts). */
    memory: RequestMemory;
  }
}

const noLoan = (_readInFull: boolean) => {};

/**
 * One request's memory. A large request reserves room for its body and for an answer as large as
 * its body (an edit usually returns an image of about the size it sent); an answer beyond that
 * allowance, or to a small request, is counted as it is read, never waiting. Room and buffers are
 * given back once, when the response is over, whether the client read it all or left.
 */
export class RequestMemory implements AttemptMemory {
  private answerAllowance = 0;
  /** Room under the bound, given back when the response is over. */
  private readonly held: Array<() => void> = [];
  private buffers: RequestBuffers | undefined;
  private countedAnswers: Set<Buffer> | undefined;
  private departure: ClientGone | undefined;
  private watching = false;
  private finished = false;
  private over = false;
  /**
   * For a reader of a body of unknown length: called with the bytes received so far; when it returns
   * a promise, read no more until it settles (and stop if it rejects). Undefined when not counted.
   */
  arrivalGate: ((received: number) => Promise<void> | undefined) | undefined;

  constructor(
    private readonly options: MemoryAccountingOptions,
    private readonly response: ServerResponse,
  ) {}

  /**
   * Before a known client's body is read: a large body of declared length waits for room for itself
   * and an answer of its size (the promise; a 503 GatewayError when no room was made in time,
   * ClientLeftError when its client left meanwhile); a body of unknown length is counted as it
   * arrives (arrivalGate). Undefined when there is nothing to wait for.
   */
  admitBody(declaredLength: string | undefined): Promise<void> | undefined {
    const { bound } = this.options;
    if (!bound) return undefined;
    if (declaredLength === undefined) {
      this.arrivalGate = this.countAsBodyArrives(bound, countedBodyBytes);
      return undefined;
    }
    const bodyBytes = Number(declaredLength);
    if (!(bodyBytes >= countedBodyBytes) || bodyBytes > this.options.bodyLimitBytes) return undefined;
    return this.reserve(bound, bodyBytes);
  }

  /** A buffer of `size` bytes for a body or an answer: from the pool when large, kept until the response is over. */
  readonly take = (size: number): Buffer => {
    const { pool } = this.options;
    if (!pool) return Buffer.allocUnsafeSlow(size);
    if (size < pool.options.minBytes) return pool.take(size);
    // Most requests never hold a large buffer: the response is watched from the first one on.
    this.watchResponse();
    return this.requestBuffers(pool).take(size);
  };

  /** See AttemptMemory.lend: the buffers are reused only after attempts that read a whole answer. */
  lend(): (readInFull: boolean) => void {
    const { pool } = this.options;
    return pool ? this.requestBuffers(pool).lend() : noLoan;
  }

  /** Counts a large answer (read from the upstream) against the bound, beyond the room reserved for it. */
  countAnswer(bytes: number): void {
    const { bound } = this.options;
    if (!bound) return;
    const fromAllowance = Math.min(bytes, this.answerAllowance);
    this.answerAllowance -= fromAllowance;
    if (bytes > fromAllowance) this.hold(bound.count(bytes - fromAllowance));
  }

  /** An upstream answer counted when it was read: not counted again on its way out. */
  counted(answer: Buffer): void {
    this.countedAnswers ??= new Set();
    this.countedAnswers.add(answer);
  }

  /** A large answer is in memory until the client has read it: new large bodies wait for it too. */
  countLeaving(payload: unknown): void {
    if (!this.options.bound) return;
    const bytes =
      typeof payload === 'string' || (Buffer.isBuffer(payload) && !this.countedAnswers?.has(payload))
        ? payload.length
        : 0;
    if (bytes >= countedBodyBytes) this.countAnswer(bytes);
  }

  /**
   * Waits for room for `bodyBytes` of the body and an answer of that size; call before those bytes
   * are read. `ownBytes`: what the request holds already, so that one request alone may grow past the bound.
   */
  private async reserve(bound: BodyMemory, bodyBytes: number, ownBytes = 0): Promise<void> {
    if (this.response.closed) throw new ClientLeftError();
    // A client that leaves while waiting leaves the queue: nothing was taken, nothing to give back.
    this.departure ??= new ClientGone(this.response);
    this.hold(await bound.acquire(2 * bodyBytes, this.departure, ownBytes));
    this.answerAllowance += bodyBytes;
  }

  /**
   * A body of unknown length is counted in steps of `stepBytes` (bodies smaller than one step are
   * not counted, as sized ones are not), each step waiting for room as a sized body does.
   */
  private countAsBodyArrives(bound: BodyMemory, stepBytes: number) {
    let reserved = 0;
    return (received: number): Promise<void> | undefined => {
      if (received < stepBytes || received <= reserved) return undefined;
      const bytes = Math.ceil(received / stepBytes) * stepBytes - reserved;
      const ownBytes = 2 * reserved;
      reserved += bytes;
      return this.reserve(bound, bytes, ownBytes);
    };
  }

  /** Gives `release` back when the response is over; at once if it is over already. */
  private hold(release: () => void): void {
    if (this.response.closed) {
      release();
      return;
    }
    this.watchResponse();
    this.held.push(release);
  }

  private requestBuffers(pool: BufferPool): RequestBuffers {
    if (!this.buffers) {
      this.buffers = new RequestBuffers(pool);
      if (this.over) this.buffers.responseClosed(this.finished);
    }
    return this.buffers;
  }

  /**
   * One 'close' listener gives everything back. A listener added after 'close' would never run: a
   * response closed already counts as over at once.
   */
  private watchResponse(): void {
    if (this.watching) return;
    this.watching = true;
    this.finished = this.response.writableFinished;
    if (this.response.closed) {
      this.responseOver();
      return;
    }
    this.response.once('finish', () => {
      this.finished = true;
    });
    this.response.once('close', () => this.responseOver());
  }

  private responseOver(): void {
    this.over = true;
    for (const release of this.held.splice(0)) release();
    this.buffers?.responseClosed(this.finished);
  }
}

/**
 * The plugin: decorates every request with its `memory` and counts large answers on their way out.
 * Registered at the root (skip-override), before the hooks that admit bodies.
 */
function memoryAccounting(
  app: FastifyInstance,
  options: MemoryAccountingOptions,
  done: (error?: Error) => void,
): void {
  app.decorateRequest('memory', null as unknown as RequestMemory);
  app.addHook('onRequest', (request, reply, next) => {
    request.memory = new RequestMemory(options, reply.raw);
    next();
  });
  app.addHook('onSend', (request, _reply, payload, next) => {
    // Null only for a request refused before its hooks ran (malformed URL).
    (request.memory as RequestMemory | null)?.countLeaving(payload);
    next(null, payload);
  });
  done();
}

export const memoryAccountingPlugin = Object.assign(memoryAccounting, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'memory-accounting',
});
