// A bound on bytes held in memory at once, shared by every request of the process. A reservation
// that would go over it waits its turn (first come, first served) for a bounded time, then fails;
// one that leaves while waiting gives its place up; every reservation is given back exactly once.
// Request bodies (server.bodyMemoryBytes) and decoded pixels (engine.pixelMemoryBytes) each have one.

export interface MemoryBoundOptions {
  /** Bytes held at once. One reservation larger than this still runs, alone. */
  limitBytes: number;
  /** How long a reservation may wait for room before it fails with `busyError`. */
  maxWaitMs: number;
}

/** Stops watching for the waiter's departure. */
type StopWatching = () => void;

interface Waiter {
  bytes: number;
  /** Bytes the same request holds already (a body of unknown length growing). */
  ownBytes: number;
  admit: () => void;
}

export class MemoryBound {
  private heldBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private options: MemoryBoundOptions,
    /** The error a reservation fails with when no room was made within `maxWaitMs`. */
    private readonly busyError: (options: MemoryBoundOptions) => Error,
  ) {}

  /** Changes the bound (from the configuration at start); waiting reservations are re-examined. */
  configure(options: MemoryBoundOptions): void {
    this.options = options;
    this.admitWaiters();
  }

  get held(): number {
    return this.heldBytes;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once `bytes` fit. `watchDeparture` is called while the
   * reservation waits, with a function to call when its caller leaves (the reservation then rejects
   * with that error and takes nothing). `ownBytes`: what the same request holds already, so that one
   * request alone may still grow past the bound.
   */
  async take(
    bytes: number,
    watchDeparture?: (leave: (error: Error) => void) => StopWatching | undefined,
    ownBytes = 0,
  ): Promise<() => void> {
    if (this.waiters.length === 0 && this.fits(bytes, ownBytes)) return this.count(bytes);
    await new Promise<void>((resolve, reject) => {
      let stopWatching: StopWatching | undefined;
      const leave = (error: unknown) => {
        clearTimeout(timer);
        stopWatching?.();
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(error);
        // The reservation at the head may have been the one that did not fit.
        this.admitWaiters();
      };
      const waiter: Waiter = {
        bytes,
        ownBytes,
        admit: () => {
          clearTimeout(timer);
          stopWatching?.();
          resolve();
        },
      };
      const timer = setTimeout(() => leave(this.busyError(this.options)), this.options.maxWaitMs);
      this.waiters.push(waiter);
      stopWatching = watchDeparture?.(leave);
    });
    // admitWaiters has added the bytes already.
    return this.releaser(bytes);
  }

  /** Counts bytes already in memory without waiting: reservations that arrive meanwhile wait for them. */
  count(bytes: number): () => void {
    this.heldBytes += bytes;
    return this.releaser(bytes);
  }

  private fits(bytes: number, ownBytes: number): boolean {
    return this.heldBytes === ownBytes || this.heldBytes + bytes <= this.options.limitBytes;
  }

  private releaser(bytes: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.heldBytes -= bytes;
      this.admitWaiters();
    };
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0].bytes, this.waiters[0].ownBytes)) {
      const waiter = this.waiters.shift() as Waiter;
      this.heldBytes += waiter.bytes;
      waiter.admit();
    }
  }
}
