// Large body buffers (request bodies, upstream answers) used again by later requests instead of
// allocated anew. Each new multi-MB buffer is external memory to V8, and a buffer that lives as long
// as a request outlives two young-generation collections, so it is freed only by a full mark-compact:
// at 10 MB a request, one such collection every two requests. A buffer from the pool costs V8 nothing.
//
// Lifetimes are enforced, not assumed: a buffer goes back to the pool only after its response was
// handed whole to the operating system and no upstream write may still read it, and going back
// detaches its memory from every view made of it (lazily attached image strings, Buffer slices): a
// late reader sees an empty buffer, never the bytes of the request that uses the memory next.
const MiB = 1 << 20;

export interface BufferPoolOptions {
  /** Smaller bodies are plain allocations (cheap, and collected young). */
  minBytes: number;
  /** Memory kept idle for reuse; a buffer coming back beyond it is left to the collector. */
  maxIdleBytes: number;
}

export class BufferPool {
  private readonly idle: ArrayBuffer[] = [];
  private idleTotal = 0;
  /** Large buffers handed out: `reused` of them came from the pool, the rest were allocated. */
  readonly counts = { taken: 0, reused: 0 };

  constructor(readonly options: BufferPoolOptions) {}

  /** Bytes kept for reuse now. */
  get idleBytes(): number {
    return this.idleTotal;
  }

  /** A buffer of exactly `size` bytes (not zeroed): reused memory if some fits, else new. */
  take(size: number): Buffer {
    if (size < this.options.minBytes) return Buffer.allocUnsafeSlow(size);
    this.counts.taken += 1;
    const fit = this.bestFit(size);
    if (fit >= 0) {
      this.counts.reused += 1;
      const memory = this.idle.splice(fit, 1)[0];
      this.idleTotal -= memory.byteLength;
      return Buffer.from(memory, 0, size);
    }
    // Whole MiB, so a body a little larger than the last one still fits what it leaves behind.
    return Buffer.from(Buffer.allocUnsafeSlow(Math.ceil(size / MiB) * MiB).buffer, 0, size);
  }

  /**
   * Takes a buffer back: its memory is moved to a new ArrayBuffer, which detaches every view of the
   * old one (they read as empty from now on), and is kept if the idle bound allows.
   */
  giveBack(buffer: Buffer): void {
    const memory = buffer.buffer as ArrayBuffer;
    if (memory.byteLength < this.options.minBytes) return; // detached already, or never pooled
    const moved = structuredClone(memory, { transfer: [memory] });
    if (this.idleTotal + moved.byteLength > this.options.maxIdleBytes) return;
    this.idle.push(moved);
    this.idleTotal += moved.byteLength;
  }

  /** The smallest idle buffer that holds `size` bytes without wasting more than a quarter and a MiB. */
  private bestFit(size: number): number {
    let best = -1;
    for (let index = 0; index < this.idle.length; index += 1) {
      const length = this.idle[index].byteLength;
      if (length < size || length > size + size / 4 + MiB) continue;
      if (best < 0 || length < this.idle[best].byteLength) best = index;
    }
    return best;
  }
}

/**
 * The large buffers of one request. They go back to the pool when the response has been handed to
 * the operating system whole ('finish', then 'close') and every upstream attempt that was sent views
 * of them ended cleanly (its answer read in full). A client that left early, a failed or streamed
 * attempt (whose socket may still be writing the request body): the buffers are left to the
 * collector instead, as any buffer would be. Whoever watches the response reports its end
 * (src/pipeline/memory-accounting.ts).
 */
export class RequestBuffers {
  private readonly buffers: Buffer[] = [];
  private loans = 0;
  private reusable = true;
  private finished = false;
  private closed = false;

  constructor(private readonly pool: BufferPool) {}

  /** A buffer for a body of `size` bytes that lives as long as this request. */
  readonly take = (size: number): Buffer => {
    const buffer = this.pool.take(size);
    // After the response closed nothing gives buffers back: this one is the collector's.
    if (size >= this.pool.options.minBytes && !this.closed) this.buffers.push(buffer);
    return buffer;
  };

  /** Whether `size` bytes are taken from the pool (and held until the response is over). */
  pools(size: number): boolean {
    return size >= this.pool.options.minBytes;
  }

  /**
   * Marks the buffers as lent to an upstream request. Call the returned function once when it is
   * over: `true` if its answer was read in full (so the upstream read all it was sent), else `false`.
   */
  lend(): (readInFull: boolean) => void {
    this.loans += 1;
    let returned = false;
    return (readInFull) => {
      if (returned) return;
      returned = true;
      this.loans -= 1;
      if (!readInFull) this.reusable = false;
      this.settle();
    };
  }

  /** The response is over: `finished` when it was handed whole to the operating system first. */
  responseClosed(finished: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.finished = finished;
    this.settle();
  }

  private settle(): void {
    if (!this.closed || this.loans > 0) return;
    const buffers = this.buffers.splice(0);
    if (!this.finished || !this.reusable) return;
    for (const buffer of buffers) this.pool.giveBack(buffer);
  }
}
