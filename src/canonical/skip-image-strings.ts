// Parses a large Gemini JSON answer without running JSON.parse over its multi-megabyte base64 image
// strings: their byte ranges are found (src/canonical/find-image-strings.ts), left out of the text
// that is parsed, and attached back as `data` properties decoded only when something reads them. A
// gateway relaying the answer's own bytes then never decodes the image at all. Pure (no I/O).

import { BytePieces } from './byte-pieces.js';
import { findImageStrings, skippedNames } from './find-image-strings.js';

const placeholderPrefix = '\u0000imagegate-image:';
/** The placeholder of skipped string `index`, as a JSON escape (\u0000…) so the skeleton stays valid JSON. */
const placeholder = (index: number) => `\\u0000imagegate-image:${index}`;
/** On a blob whose `data` is still the undecoded byte range: where that range is. */
const lazySource = Symbol.for('imagegate.lazyImageSource');

export interface LazySource {
  length: number;
  /** Characters `from`..`to` of the string value. */
  read(from: number, to: number): string;
  /** The value's bytes (ASCII base64, no escapes), without copying when the text was a Buffer. */
  bytes(): Buffer;
}

type BlobLike = { data?: unknown; [lazySource]?: () => LazySource | undefined };

/** The undecoded source of a lazily attached string property (`data` or `url`), until it is replaced. */
const lazyStrings = new WeakMap<object, Map<string, () => LazySource | undefined>>();

export function lazyStringSource(record: object, key: string): LazySource | undefined {
  return lazyStrings.get(record)?.get(key)?.();
}

/**
 * An inline image blob `{ mimeType, data }` whose base64 is characters `offset`.. of a lazy source
 * (e.g. the part of a data URL after its comma), decoded only when `data` is read.
 */
export function lazyImageBlob(mimeType: string, source: LazySource, offset: number) {
  const view: LazySource = {
    length: source.length - offset,
    read: (from, to) => source.read(offset + from, offset + to),
    bytes: () => source.bytes().subarray(offset),
  };
  const blob = { mimeType } as { mimeType: string; data: string };
  defineLazyString(blob, 'data', view);
  return blob;
}

/** 48 KiB of input (a multiple of 3) becomes 64 KiB of base64: a string small enough to die young. */
const base64Step = 48 * 1024;

/**
 * Base64 of `bytes` as ASCII bytes, encoded a slice at a time: an image-sized string would be a
 * large object that only a full mark-compact frees.
 */
export function base64Bytes(bytes: Buffer): Buffer {
  const encoded = Buffer.allocUnsafe(Math.ceil(bytes.length / 3) * 4);
  let written = 0;
  for (let from = 0; from < bytes.length; from += base64Step) {
    const slice = bytes.toString('base64', from, Math.min(bytes.length, from + base64Step));
    written += encoded.write(slice, written, 'latin1');
  }
  return encoded;
}

/**
 * A blob `{ mimeType, data }` for image bytes in hand (an upload): the base64 is made once, when
 * first asked for, and kept as bytes, so a request built from it is written without a JSON string
 * of the image.
 */
export function encodedImageBlob(mimeType: string, image: Buffer) {
  let encoded: Buffer | undefined;
  const base64 = () => {
    encoded ??= base64Bytes(image);
    return encoded;
  };
  const source: LazySource = {
    length: Math.ceil(image.length / 3) * 4,
    read: (from, to) => base64().toString('latin1', from, to),
    bytes: base64,
  };
  return lazyImageBlob(mimeType, source, 0);
}

/** The undecoded source of a blob's `data`, while it is still lazy (never replaced). */
export function lazyImageSource(blob: object): LazySource | undefined {
  return (blob as BlobLike)[lazySource]?.();
}

/** Length of a blob's base64 string, without decoding one that is still lazy. */
export function imageDataLength(blob: BlobLike): number {
  const source = blob[lazySource]?.();
  if (source) return source.length;
  return typeof blob.data === 'string' ? blob.data.length : 0;
}

/** Characters `from`..`to` of a blob's base64 string (negative = from the end), decoding only those. */
export function imageDataSlice(blob: BlobLike, from: number, to?: number): string {
  const source = blob[lazySource]?.();
  if (!source) return typeof blob.data === 'string' ? blob.data.slice(from, to) : '';
  const length = source.length;
  const clamp = (index: number) => Math.min(length, Math.max(0, index < 0 ? length + index : index));
  const start = clamp(from);
  const end = to === undefined ? length : clamp(to);
  return end <= start ? '' : source.read(start, end);
}

/** Copies a blob's `data` (lazy or not) onto another object without decoding it. */
export function copyImageData(from: object, to: Record<string, unknown>): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(from, 'data');
  if (!descriptor?.get) return false;
  Object.defineProperty(to, 'data', descriptor);
  const source = Object.getOwnPropertyDescriptor(from, lazySource);
  if (source) Object.defineProperty(to, lazySource, source);
  return true;
}

/**
 * JSON.parse of `body` with the image strings skipped and re-attached lazily. A string body is
 * never copied: a skipped value is read back as a slice of it. Bytes in pieces (a streamed event
 * as it arrived) are not joined: only the text around the images is, and an image is copied out
 * of its pieces only if something asks for its bytes.
 */
export function parseSkippingImageStrings(body: Buffer | string | BytePieces): unknown {
  if (body instanceof BytePieces) return parsePiecesSkippingImageStrings(body);
  const skipped = findImageStrings(body);
  if (skipped.length === 0) return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  let skeletonText: string;
  if (typeof body === 'string') {
    const pieces: string[] = [];
    let last = 0;
    skipped.forEach((range, index) => {
      pieces.push(body.slice(last, range.start), placeholder(index));
      last = range.end;
    });
    pieces.push(body.slice(last));
    skeletonText = pieces.join('');
  } else {
    const pieces: Buffer[] = [];
    let last = 0;
    skipped.forEach((range, index) => {
      pieces.push(body.subarray(last, range.start), Buffer.from(placeholder(index)));
      last = range.end;
    });
    pieces.push(body.subarray(last));
    skeletonText = Buffer.concat(pieces).toString('utf8');
  }
  const skeleton: unknown = JSON.parse(skeletonText);
  const readers = skipped.map(
    (range): LazySource => ({
      length: range.end - range.start,
      // No escapes inside, so the bytes' UTF-8 decoding (or the string slice) is the value itself.
      read: (from, to) =>
        typeof body === 'string'
          ? body.slice(range.start + from, range.start + to)
          : body.toString('utf8', range.start + from, range.start + to),
      bytes: () =>
        typeof body === 'string'
          ? Buffer.from(body.slice(range.start, range.end), 'utf8')
          : body.subarray(range.start, range.end),
    }),
  );
  reattach(skeleton, readers, 0);
  return skeleton;
}

function parsePiecesSkippingImageStrings(body: BytePieces): unknown {
  const skipped = findImageStrings(body);
  const skeleton: Buffer[] = [];
  let last = 0;
  skipped.forEach((range, index) => {
    skeleton.push(...body.views(last, range.start), Buffer.from(placeholder(index)));
    last = range.end;
  });
  skeleton.push(...body.views(last, body.length));
  const value: unknown = JSON.parse(Buffer.concat(skeleton).toString('utf8'));
  const readers = skipped.map(
    (range): LazySource => ({
      length: range.end - range.start,
      read: (from, to) => body.slice(range.start + from, range.start + to).toString('utf8'),
      bytes: () => body.slice(range.start, range.end),
    }),
  );
  reattach(value, readers, 0);
  return value;
}

function reattach(value: unknown, readers: LazySource[], depth: number): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) reattach(item, readers, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (skippedNames.has(key) && typeof child === 'string' && child.startsWith(placeholderPrefix)) {
      defineLazyString(record, key, readers[Number(child.slice(placeholderPrefix.length))]);
    } else reattach(child, readers, depth + 1);
  }
}

/**
 * Makes `record[key]` a string read from `source` the first time it is used. Until it is replaced,
 * the source stays reachable (lazyStringSource; for `data`, lazyImageSource) so the bytes can be
 * measured, sliced or copied without ever building the string.
 */
function defineLazyString(record: object, key: string, source: LazySource): void {
  let decoded: string | undefined;
  let replaced = false;
  const current = () => (replaced ? undefined : source);
  if (key === 'data') Object.defineProperty(record, lazySource, { enumerable: false, value: current });
  let sources = lazyStrings.get(record);
  if (!sources) {
    sources = new Map();
    lazyStrings.set(record, sources);
  }
  sources.set(key, current);
  Object.defineProperty(record, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      decoded ??= source.read(0, source.length);
      return decoded;
    },
    set: (next: string) => {
      decoded = next;
      replaced = true;
    },
  });
}
