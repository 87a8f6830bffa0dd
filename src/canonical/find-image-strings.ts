// Finds the base64 image strings of a JSON text (their `"data"` / data-URL `"url"` values) by byte
// search, without parsing it: over a whole body or over an answer's head (imageStringBegun). src/canonical/skip-image-strings.ts parses around them.
// Pure (no I/O).

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
export const skippedNames: ReadonlySet<string> = new Set(skippedKeys.map((key) => key.text.slice(1, -1)));
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
function* keyedStrings(body: JsonText, keys: readonly SkippedKey[]): Generator<KeyedString> {
  let from = 0;
  for (;;) {
    const next = nextKey(body, from, keys);
    if (!next) return;
    const value = stringValueAfter(body, next.at + next.key.bytes.length);
    if ('resume' in value) {
      from = value.resume;
      continue;
    }
    const end = body.indexOfByte(quote, value.start);
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
  const found: SkippedString[] = [];
  for (const { key, start, end } of keyedStrings(body, skippedKeys)) {
    if (end < 0) break;
    // base64 never contains a backslash; a string that does is ordinary JSON text, parsed normally.
    if (
      end - start >= minimumSkippedLength &&
      (key.prefix === undefined || body.startsWith(key.prefix, start)) &&
      body.indexOfByte(backslash, start, end) < 0
    )
      found.push({ start, end });
  }
  return found;
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
  return begunImageStringStart(head, minimum) >= 0;
}

/** Where the image string that imageStringBegun sees under way starts in `head` (-1: none). */
export function begunImageStringStart(head: Buffer, minimum: number): number {
  const body = jsonText(head);
  for (const { at, start, end } of keyedStrings(body, dataKeyOnly)) {
    if (end >= 0) continue;
    const nearby = head.subarray(Math.max(0, at - 200), at);
    const begun =
      head.length - start >= minimum &&
      body.indexOfByte(backslash, start) < 0 &&
      inlineDataKeys.some((key) => nearby.includes(key));
    return begun ? start : -1;
  }
  return -1;
}
