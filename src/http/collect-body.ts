// Reads a whole HTTP body into one Buffer. When the length is declared, the Buffer is allocated once
// up front and each socket chunk is copied in as it arrives, so chunks die young instead of being
// kept until the end and concatenated: one body-sized allocation instead of two, and nothing
// body-sized left for the old-generation collector but the body itself.

/** Bodies already counted against the memory bound when they were read (not to be counted again). */
export const countedBodies = new WeakSet<Buffer>();

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
}

export async function collectBody(
  body: AsyncIterable<Uint8Array>,
  options: CollectOptions = {},
): Promise<Buffer> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const declared = Number(options.declaredLength);
  const known = options.declaredLength !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit) throw new BodyTooLargeError(limit);
  if (!known) return collectChunks(body, limit);

  const whole = options.allocate ? options.allocate(declared) : Buffer.allocUnsafeSlow(declared);
  let received = 0;
  let overflow: Buffer[] | undefined;
  for await (const chunk of body) {
    if (received + chunk.length > limit) throw new BodyTooLargeError(limit);
    if (overflow === undefined && received + chunk.length <= declared) {
      whole.set(chunk, received);
      options.onProgress?.(whole, received + chunk.length);
    } else {
      // More than declared: keep reading, the caller decides what a length mismatch means.
      overflow ??= [whole.subarray(0, received)];
      overflow.push(Buffer.from(chunk));
    }
    received += chunk.length;
  }
  if (overflow) return Buffer.concat(overflow, received);
  return received === declared ? whole : whole.subarray(0, received);
}

async function collectChunks(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > limit) throw new BodyTooLargeError(limit);
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  }
  // Always a copy: a chunk may be a view over a read buffer the socket reuses.
  return Buffer.concat(chunks, received);
}
