// Reads a whole HTTP body into one Buffer. When the length is declared, the Buffer is allocated once
// up front and each socket chunk is copied in as it arrives, so chunks die young instead of being
// kept until the end and concatenated: one body-sized allocation instead of two, and nothing
// body-sized left for the old-generation collector but the body itself.

import { finished, Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body is larger than ${limit} bytes`);
  }
}

export interface CollectOptions {
  /** The Content-Length header, if any (ignored unless a non-negative integer). */
  declaredLength?: number | string;
  /** More bytes than this → BodyTooLargeError (the declared length is checked before reading). */
  limit?: number;
  /** Where a body of declared length is read into (default: a new buffer); see src/http/buffer-pool.ts. */
  allocate?: (size: number) => Buffer;
  /** Called after each chunk of a body of declared length is in place: the buffer, bytes so far. */
  onProgress?: (whole: Buffer, received: number) => void;
  /**
   * For a body of unknown length, after each chunk: the bytes so far. While the promise it may
   * return is pending, no more is read (the socket's buffers fill and TCP holds the client back);
   * if it rejects, reading stops with its error.
   */
  beforeMore?: (received: number) => Promise<void> | undefined;
}

export async function collectBody(
  body: AsyncIterable<Uint8Array>,
  options: CollectOptions = {},
): Promise<Buffer> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const declared = Number(options.declaredLength);
  const known = options.declaredLength !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit) throw new BodyTooLargeError(limit);
  if (!known) return collectChunks(body, limit, options.beforeMore);

  const filling = new DeclaredLengthBody(
    options.allocate ? options.allocate(declared) : Buffer.allocUnsafeSlow(declared),
    limit,
    options.onProgress,
  );
  if (body instanceof Readable) return readStream(body, filling);
  for await (const chunk of body) filling.add(chunk);
  return filling.result();
}

/** A body of declared length filling its one buffer, chunk by chunk. */
class DeclaredLengthBody {
  private received = 0;
  private overflow: Buffer[] | undefined;

  constructor(
    private readonly whole: Buffer,
    private readonly limit: number,
    private readonly onProgress?: (whole: Buffer, received: number) => void,
  ) {}

  add(chunk: Uint8Array): void {
    const { whole, received } = this;
    if (received + chunk.length > this.limit) throw new BodyTooLargeError(this.limit);
    if (this.overflow === undefined && received + chunk.length <= whole.length) {
      whole.set(chunk, received);
      this.received += chunk.length;
      this.onProgress?.(whole, this.received);
      return;
    }
    // More than declared: keep reading, the caller decides what a length mismatch means.
    this.overflow ??= [whole.subarray(0, received)];
    this.overflow.push(Buffer.from(chunk));
    this.received += chunk.length;
  }

  result(): Buffer {
    if (this.overflow) return Buffer.concat(this.overflow, this.received);
    return this.received === this.whole.length ? this.whole : this.whole.subarray(0, this.received);
  }
}

/**
 * A stream read through its 'data' events: a multi-MB body arrives in a few hundred chunks, and
 * an async iterator costs a promise and a microtask turn for each (measured: a 13 MB request read
 * in ~10 ms that way, against ~5 ms for the same bytes counted by a plain listener). On an error,
 * or when the body is refused, the stream is destroyed, as leaving a for-await loop would.
 */
function readStream(stream: Readable, filling: DeclaredLengthBody): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Uint8Array) => {
      try {
        filling.add(chunk);
      } catch (error) {
        stop();
        stream.destroy();
        reject(error);
      }
    };
    const stopWatching = finished(stream, { writable: false }, (error) => {
      stop();
      if (error) reject(error);
      else resolve(filling.result());
    });
    const stop = () => {
      stream.off('data', onData);
      stopWatching();
    };
    stream.on('data', onData);
  });
}

async function collectChunks(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  beforeMore?: (received: number) => Promise<void> | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > limit) throw new BodyTooLargeError(limit);
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const gate = beforeMore?.(received);
    if (gate) await gate;
  }
  // Always a copy: a chunk may be a view over a read buffer the socket reuses.
  return Buffer.concat(chunks, received);
}
