// A bound on the bytes of large bodies held in memory at once: request bodies, and the answers
// going back. A request whose body would go over it waits (first come, first served) before its
// body is read, so the rest of its bytes stay in the kernel's socket buffers and the client is
// slowed by TCP instead of the gateway growing without limit. Each large request reserves room for
// an answer of its size too; a larger answer is counted as it is read (or as it leaves, when the
// gateway built it), never waiting, so new bodies wait for it. Bytes are given back when the
// response is finished or abandoned.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { CancelSignal } from '../routing/dispatch.js';
import { MemoryBound, type MemoryBoundOptions } from '../security/memory-bound.js';
import { ClientGone } from './client-gone.js';

/** Bytes of large bodies held at once, and how long a request may wait before its 503. */
export type BodyMemoryOptions = MemoryBoundOptions;

/** The client left while its request waited for room: there is no one to answer (logged as 499). */
export class ClientLeftError extends GatewayError {
  constructor() {
    super({
      errorClass: 'bad_request',
      httpStatus: 499,
      status: 'CANCELLED',
      message: 'The client closed the connection while its request waited for memory.',
    });
  }
}

/** The body bound: MemoryBound with the server's error and the request's CancelSignal. */
export class BodyMemory extends MemoryBound {
  constructor(options: BodyMemoryOptions) {
    super(options, bodyBusyError);
  }

  /**
   * Resolves with a release function once `bytes` fit; release exactly once when the request is
   * done. Throws a 503 GatewayError if no room was made within `maxWaitMs`. When `cancel` aborts
   * while the request waits (its client left), it leaves the queue at once and the promise rejects
   * with ClientLeftError: nothing was taken, nothing is to be released. `ownBytes`: what the same
   * request holds already, so that one request alone may still grow past the bound.
   */
  acquire(bytes: number, cancel?: CancelSignal, ownBytes = 0): Promise<() => void> {
    if (cancel?.aborted) return Promise.reject(new ClientLeftError());
    return this.take(
      bytes,
      cancel && ((leave) => cancel.onAbort(() => leave(new ClientLeftError()))),
      ownBytes,
    );
  }
}

function bodyBusyError(options: BodyMemoryOptions): GatewayError {
  return errorCatalogue.BODY_MEMORY_FULL(
    `The gateway is holding ${Math.round(options.limitBytes / 1048576)} MiB of request bodies (server.bodyMemoryBytes) and no room was made within ${Math.round(options.maxWaitMs / 1000)} s. Retry shortly.`,
  );
}

const responseMemories = new WeakMap<ServerResponse, ResponseMemory>();

/**
 * Calls `release` when the response is over (finished or abandoned), at once if it is over already:
 * a listener added after 'close' would never run, and the bytes would be held for good.
 */
function releaseWhenClosed(response: ServerResponse, release: () => void): void {
  if (response.closed) release();
  else response.once('close', release);
}

/**
 * One response's share of the bound. A large request reserves room for its body and for an answer
 * as large as its body (an edit usually returns an image of about the size it sent); an answer
 * beyond that allowance, or to a small request, is counted as it is read. Everything is given back
 * when the response is done, whether the client read it all or left.
 */
class ResponseMemory {
  private answerAllowance = 0;

  constructor(
    private readonly memory: BodyMemory,
    private readonly response: ServerResponse,
  ) {}

  allowAnswer(bytes: number): void {
    this.answerAllowance += bytes;
  }

  countAnswer(bytes: number): void {
    const fromAllowance = Math.min(bytes, this.answerAllowance);
    this.answerAllowance -= fromAllowance;
    if (bytes > fromAllowance) releaseWhenClosed(this.response, this.memory.count(bytes - fromAllowance));
  }
}

function shareOf(memory: BodyMemory, response: ServerResponse): ResponseMemory {
  let share = responseMemories.get(response);
  if (!share) {
    share = new ResponseMemory(memory, response);
    responseMemories.set(response, share);
  }
  return share;
}

/**
 * Waits for room for `bodyBytes` of a request's body and an answer of that size; call before those
 * bytes are read. A client that leaves while waiting leaves the queue (ClientLeftError), and room
 * taken is given back when the response is over, however it ends.
 */
export async function reserveForRequest(
  memory: BodyMemory,
  response: ServerResponse,
  bodyBytes: number,
  ownBytes = 0,
): Promise<void> {
  if (response.closed) throw new ClientLeftError();
  const release = await memory.acquire(2 * bodyBytes, new ClientGone(response), ownBytes);
  releaseWhenClosed(response, release);
  shareOf(memory, response).allowAnswer(bodyBytes);
}

/** Room reserved so far by bodies of unknown length (chunked), by request. */
const chunkedBodies = new WeakMap<IncomingMessage, (received: number) => Promise<void> | undefined>();

/**
 * Before a body of unknown length is read: it is counted as it arrives, in steps of `stepBytes`
 * (bodies smaller than one step are not counted, as sized ones are not), each step waiting for room
 * like a sized body does before it is read.
 */
export function reserveAsBodyArrives(
  memory: BodyMemory,
  request: IncomingMessage,
  response: ServerResponse,
  stepBytes: number,
): void {
  let reserved = 0;
  chunkedBodies.set(request, (received) => {
    if (received < stepBytes || received <= reserved) return undefined;
    const bytes = Math.ceil(received / stepBytes) * stepBytes - reserved;
    const ownBytes = 2 * reserved;
    reserved += bytes;
    return reserveForRequest(memory, response, bytes, ownBytes);
  });
}

/**
 * For a reader of a body of unknown length: called with the bytes received so far; when it returns
 * a promise, read no more until it settles (and stop if it rejects). Undefined when not counted.
 */
export function bodyArrivalGate(
  request: IncomingMessage,
): ((received: number) => Promise<void> | undefined) | undefined {
  return chunkedBodies.get(request);
}

/** Counts a large answer (read from the upstream, or on its way out) against the bound. */
export function countAnswer(memory: BodyMemory, response: ServerResponse, bytes: number): void {
  shareOf(memory, response).countAnswer(bytes);
}

/** A door's hook for the provider: counts an upstream answer for this response. */
export function answerCounter(
  memory: BodyMemory | undefined,
  reply: FastifyReply,
): ((bytes: number) => void) | undefined {
  if (!memory) return undefined;
  return (bytes) => countAnswer(memory, reply.raw, bytes);
}
