// A bound on the memory of decoded pixels in the process (`engine.pixelMemoryBytes`): a 156 KB PNG can
// decode to 196 MB, so every place that decodes untrusted pixels (the offline engine, the Images
// door's transcode, retest verdicts and thumbnails) reserves width × height × 4 bytes per working
// copy, read from the image header, before it decodes. When the bound is full a reservation waits
// its turn (first come, first served) for a bounded time, then fails with a 503; a caller that
// leaves while waiting gives its place up; every reservation is given back exactly once.

import type { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { defaultPixelMemoryBytes, defaultPixelWaitMs } from '../security/limits.js';
import { MemoryBound, type MemoryBoundOptions } from '../security/memory-bound.js';

/** Bytes of decoded pixels held at once, and how long a reservation may wait before its 503. */
export type PixelMemoryOptions = MemoryBoundOptions;

/** Decoded bytes of one RGBA copy of an image. */
export function rgbaBytes(width: number, height: number): number {
  return width * height * 4;
}

/** The pixel bound: MemoryBound with the engine's error and AbortSignal-shaped departures. */
export class PixelMemory extends MemoryBound {
  constructor(options: PixelMemoryOptions) {
    super(options, pixelBusyError);
  }

  /**
   * Resolves with a release function once `bytes` fit. Rejects with a 503 GatewayError after
   * `maxWaitMs`, or with the signal's reason when it aborts first.
   */
  async reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (!signal) return this.take(bytes);
    return this.take(bytes, (leave) => {
      const onAbort = () => leave(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    });
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
}

/** A full bound is the gateway's own capacity, never the route's fault (gatewayBusy). */
function pixelBusyError(options: PixelMemoryOptions): GatewayError {
  return errorCatalogue.PIXEL_MEMORY_FULL(
    `The gateway is decoding ${Math.round(options.limitBytes / 1048576)} MiB of image pixels (engine.pixelMemoryBytes) and no room was made within ${Math.round(options.maxWaitMs / 1000)} s. Retry shortly.`,
  );
}

/** The process's one bound: pixels in every thread of the process share its memory. */
export const pixelMemory = new PixelMemory({
  limitBytes: defaultPixelMemoryBytes,
  maxWaitMs: defaultPixelWaitMs,
});
