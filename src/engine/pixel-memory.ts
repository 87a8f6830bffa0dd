// A bound on the memory of decoded pixels in the process (`engine.pixelMemoryBytes`): a 156 KB PNG can
// decode to 196 MB, so every place that decodes untrusted pixels (the offline engine, the Images
// door's transcode, retest verdicts and thumbnails) reserves width × height × 4 bytes per working
// copy, read from the image header, before it decodes. When the bound is full a reservation waits
// its turn (first come, first served) for a bounded time, then fails with a 503; a caller that
// leaves while waiting gives its place up; every reservation is given back exactly once.

import { GatewayError } from '../canonical/errors.js';
import { defaultPixelMemoryBytes, defaultPixelWaitMs } from '../security/limits.js';

export interface PixelMemoryOptions {
  /** Bytes of decoded pixels held at once. One reservation larger than this still runs, alone. */
  limitBytes: number;
  /** How long a reservation may wait for room before it fails with a 503. */
  maxWaitMs: number;
}

/** Decoded bytes of one RGBA copy of an image. */
export function rgbaBytes(width: number, height: number): number {
  return width * height * 4;
}

interface Waiter {
  bytes: number;
  admit: () => void;
}

export class PixelMemory {
  private heldBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private options: PixelMemoryOptions) {}

  /** Changes the bound (from the configuration at start); waiting reservations are re-examined. */
  configure(options: PixelMemoryOptions): void {
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
   * Resolves with a release function once `bytes` fit. Rejects with a 503 GatewayError after
   * `maxWaitMs`, or with the signal's reason when it aborts first.
   */
  async reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.heldBytes += bytes;
      return this.releaser(bytes);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(error);
        // A large reservation leaving may let smaller ones behind it in.
        this.admitWaiters();
      };
      const onAbort = () => leave(signal?.reason);
      const waiter: Waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const timer = setTimeout(() => leave(this.busyError()), this.options.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
    // admitWaiters has added the bytes already.
    return this.releaser(bytes);
  }

  /** Runs `work` holding `bytes`, giving them back however it ends. */
  async with<T>(bytes: number, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const release = await this.reserve(bytes, signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private fits(bytes: number): boolean {
    return this.heldBytes === 0 || this.heldBytes + bytes <= this.options.limitBytes;
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
    while (this.waiters.length > 0 && this.fits(this.waiters[0].bytes)) {
      const waiter = this.waiters.shift() as Waiter;
      this.heldBytes += waiter.bytes;
      waiter.admit();
    }
  }

  private busyError(): GatewayError {
    return new GatewayError({
      errorClass: 'overloaded',
      httpStatus: 503,
      status: 'UNAVAILABLE',
      message: `The gateway is decoding ${Math.round(this.options.limitBytes / 1048576)} MiB of image pixels (engine.pixelMemoryBytes) and no room was made within ${Math.round(this.options.maxWaitMs / 1000)} s. Retry shortly.`,
      retryAfterSeconds: 1,
      gatewayBusy: true,
    });
  }
}

/** The process's one bound: pixels in every thread of the process share its memory. */
export const pixelMemory = new PixelMemory({
  limitBytes: defaultPixelMemoryBytes,
  maxWaitMs: defaultPixelWaitMs,
});
