// A bound on the bytes of large bodies held in memory at once: request bodies, and the answers
// going back. A request whose body would go over it waits (first come, first served) before its
// body is read, so the rest of its bytes stay in the kernel's socket buffers and the client is
// slowed by TCP instead of the gateway growing without limit. Each large request reserves room for
// an answer of its size too; a larger answer is counted as it is read (or as it leaves, when the
// gateway built it), never waiting, so new bodies wait for it. Bytes are given back when the
// response is finished or abandoned. Each request's share is kept by src/pipeline/memory-accounting.ts.
import { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { CancelSignal } from '../routing/dispatch.js';
import { MemoryBound, type MemoryBoundOptions } from '../security/memory-bound.js';

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
