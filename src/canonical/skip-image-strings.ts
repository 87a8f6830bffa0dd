// Parses a large Gemini JSON answer without running JSON.parse over its multi-megabyte base64 image
// strings: their byte ranges are found with Buffer.indexOf, left out of the text that is parsed, and
// attached back as `data` properties decoded only when something reads them. A gateway relaying the
// answer's own bytes then never decodes the image at all. Pure (no I/O).

import { BytePieces } from './byte-pieces.js';

/**
 * `"data"` holds inline base64 (Gemini); `"url"` (OpenAI chat) and `"image_url"` (OpenAI Images
 * edits, JSON form) may hold a base64 data URL.
 */
const skippedKeys = [
  { text: '"data"', bytes: Buffer.from('"data"'), prefix: undefined },
  { text: '"url"', bytes: Buffer.from('"url"'), prefix: 'data:' },
  { text: '"image_url"', bytes: Buffer.from('"image_url"'), prefix: 'data:' },
] as const;
/** The property names of skippedKeys: where a placeholder may stand in the parsed skeleton. */
const skippedNames: ReadonlySet<string> = new Set(skippedKeys.map((key) => key.text.slice(1, -1)));
const quote = 0x22;
const backslash = 0x5c;
/** JSON bodies above this size are parsed with their image strings skipped (smaller ones by JSON.parse). */
export const largeJsonBytes = 64 * 1024;
/** Shorter strings are parsed normally; only image-sized ones are worth skipping. */
const minimumSkippedLength = 4096;

interface SkippedString {
  start: number;
  end: number;
}

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

type SkippedKey = (typeof skippedKeys)[number];

/** A JSON text as bytes or as a string: the scan below only needs these operations. */
interface JsonText {
  /** The first `key` starting at or after `from` and ending by `end` (default: the end), or -1. */
  indexOfKey(key: SkippedKey, from: number, end?: number): number;
  /** The first `byte` in `from`..`end` (default: the end), or -1. */
  indexOfByte(byte: number, from: number, end?: number): number;
  at(index: number): number | undefined;
  startsWith(prefix: string, at: number): boolean;
}

function jsonText(body: Buffer | string | BytePieces): JsonText {
  if (body instanceof BytePieces) {
    return {
      indexOfKey: (key, from, end) => body.indexOfSequence(key.bytes, from, end),
      indexOfByte: (byte, from, end) => body.indexOfByte(byte, from, end),
      at: (index) => body.at(index),
      startsWith: (prefix, at) => body.slice(at, at + prefix.length).toString('latin1') === prefix,
    };
  }
  if (typeof body === 'string') {
    const within = (found: number, length: number, end: number | undefined) =>
      end !== undefined && found + length > end ? -1 : found;
    return {
      indexOfKey: (key, from, end) => within(body.indexOf(key.text, from), key.text.length, end),
      indexOfByte: (byte, from, end) => within(body.indexOf(String.fromCharCode(byte), from), 1, end),
      at: (index) => (index < body.length ? body.charCodeAt(index) : undefined),
      startsWith: (prefix, at) => body.startsWith(prefix, at),
    };
  }
  const upTo = (end: number | undefined) => (end === undefined ? body : body.subarray(0, end));
  return {
    indexOfKey: (key, from, end) => upTo(end).indexOf(key.bytes, from),
    indexOfByte: (byte, from, end) => upTo(end).indexOf(byte, from),
    at: (index) => body[index],
    startsWith: (prefix, at) => body.toString('latin1', at, at + prefix.length) === prefix,
  };
}

/** The first of the skipped keys at or after `from`; each search stops where an earlier key was found. */
function nextKey(
  body: JsonText,
  from: number,
  keys: readonly SkippedKey[],
): { key: SkippedKey; at: number } | undefined {
  let first: { key: SkippedKey; at: number } | undefined;
  for (const key of keys) {
    const at = body.indexOfKey(key, from, first ? first.at + key.bytes.length : undefined);
    if (at >= 0 && (!first || at < first.at)) first = { key, at };
  }
  return first;
}

/** After a key ending at `index`: where its string value starts (inside the quote), or where to search on. */
function stringValueAfter(body: JsonText, index: number): { start: number } | { resume: number } {
  let position = index;
  while (isJsonSpace(body.at(position))) position += 1;
  if (body.at(position) !== 0x3a) return { resume: position };
  position += 1;
  while (isJsonSpace(body.at(position))) position += 1;
  if (body.at(position) !== quote) return { resume: position };
  return { start: position + 1 };
}

interface KeyedString {
  key: SkippedKey;
  /** Where the key starts. */
  at: number;
  /** Where its string value starts (inside the quote) and ends (at the closing quote; -1 while open). */
  start: number;
  end: number;
}

/**
 * The string values of `keys`, in order, up to the first one still open. One pass: the text after a
 * found key resumes after its value, so no search runs through an image string but the one for its end.
 */
function* keyedStrings(
  body: JsonText,
  keys: readonly SkippedKey[],
  knownEnds?: ReadonlyMap<number, number>,
): Generator<KeyedString> {
  let from = 0;
  for (;;) {
    const next = nextKey(body, from, keys);
    if (!next) return;
    const value = stringValueAfter(body, next.at + next.key.bytes.length);
    if ('resume' in value) {
      from = value.resume;
      continue;
    }
    const end = knownEnds?.get(value.start) ?? body.indexOfByte(quote, value.start);
    yield { ...next, start: value.start, end };
    if (end < 0) return;
    from = end + 1;
  }
}

/**
 * Ranges (bytes of a Buffer, characters of a string) of long, escape-free string values of `"data"`
 * keys, and of `"url"` and `"image_url"` keys that hold a data URL, in order.
 */
export function findImageStrings(source: Buffer | string | BytePieces): SkippedString[] {
  const body = jsonText(source);
  // Strings already found whole and escape-free while the body arrived (ImageStringWatch).
  const knownEnds = Buffer.isBuffer(source) ? scannedWhileArriving.get(source) : undefined;
  const found: SkippedString[] = [];
  for (const { key, start, end } of keyedStrings(body, skippedKeys, knownEnds)) {
    if (end < 0) break;
    // base64 never contains a backslash; a string that does is ordinary JSON text, parsed normally.
    if (
      end - start >= minimumSkippedLength &&
      (key.prefix === undefined || body.startsWith(key.prefix, start)) &&
      (knownEnds?.get(start) === end || body.indexOfByte(backslash, start, end) < 0)
    )
      found.push({ start, end });
  }
  return found;
}

/** Per body buffer: where its escape-free keyed strings end, by where they start. */
const scannedWhileArriving = new WeakMap<Buffer, Map<number, number>>();
const longestKeyBytes = Math.max(...skippedKeys.map((key) => key.bytes.length));

/**
 * Follows a JSON body while it is read into its one buffer (collectBody's onProgress) and finds,
 * chunk by chunk, where each keyed string ends and whether it holds an escape: the same scans
 * findImageStrings runs over the whole body, done while the next chunk is awaited instead of after
 * the last one. findImageStrings of that buffer then takes the ends found and scans no image again.
 */
export class ImageStringWatch {
  private searchFrom = 0;
  private open: { start: number; scanned: number; escaped: boolean } | undefined;
  private ends: Map<number, number> | undefined;

  readonly progress = (whole: Buffer, received: number): void => {
    if (!this.ends) {
      this.ends = new Map();
      scannedWhileArriving.set(whole, this.ends);
    }
    const body = jsonText(whole.subarray(0, received));
    for (;;) {
      if (!this.open) {
        const next = nextKey(body, this.searchFrom, skippedKeys);
        if (!next) {
          // A key may be split at the end: search its last bytes again with the next chunk.
          this.searchFrom = Math.max(this.searchFrom, received - longestKeyBytes);
          return;
        }
        const value = stringValueAfter(body, next.at + next.key.bytes.length);
        const reached = 'start' in value ? value.start : value.resume;
        if (reached >= received) {
          this.searchFrom = next.at; // the value has not arrived yet
          return;
        }
        if ('resume' in value) {
          this.searchFrom = value.resume;
          continue;
        }
        this.open = { start: value.start, scanned: value.start, escaped: false };
      }
      const open = this.open;
      const end = body.indexOfByte(quote, open.scanned);
      if (!open.escaped && body.indexOfByte(backslash, open.scanned, end < 0 ? received : end) >= 0) {
        open.escaped = true;
      }
      if (end < 0) {
        open.scanned = received;
        return;
      }
      if (!open.escaped) this.ends.set(open.start, end);
      this.searchFrom = end + 1;
      this.open = undefined;
    }
  };
}

const inlineDataKeys = [Buffer.from('"inlineData"'), Buffer.from('"inline_data"')];
/** `"data"` alone: an inline image's string. */
const dataKeyOnly = skippedKeys.slice(0, 1);

/**
 * Whether the head of a Gemini answer shows an inline image already under way: a `"data"` string
 * value right after an `inlineData` key, still open at the end of `head`, with `minimum` bytes of it
 * read and no escape among them (base64 has none). Used to commit to a route before the answer ends.
 */
export function imageStringBegun(head: Buffer, minimum: number): boolean {
  const body = jsonText(head);
  for (const { at, start, end } of keyedStrings(body, dataKeyOnly)) {
    if (end >= 0) continue;
    const nearby = head.subarray(Math.max(0, at - 200), at);
    return (
      head.length - start >= minimum &&
      body.indexOfByte(backslash, start) < 0 &&
      inlineDataKeys.some((key) => nearby.includes(key))
    );
  }
  return false;
}

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
