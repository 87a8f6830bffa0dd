// JSON text with multi-megabyte base64 images in it, written without building the image into a
// JavaScript string: the rest is JSON.stringify'd with placeholders, and each image is the slice of
// the buffer it was parsed from (src/canonical/skip-image-strings.ts), between the text pieces.
// Values whose image is an ordinary string are written by JSON.stringify.
import { lazyImageSource } from './skip-image-strings.js';

const imageField = Symbol('imagegate.imageField');

interface ImageField {
  key: string;
  prefix: string;
  blob: { data?: unknown };
}

/**
 * Sets `target[key]` to `prefix + blob.data` (an inline image as a string field: a data URL, a
 * `b64_json`). An image still in the bytes it was parsed from is built only when read, and
 * jsonWithImagesPieces writes it from those bytes instead. An image that is already an ordinary
 * string (an answer read whole) becomes a plain property: joining it to the prefix costs V8 no copy
 * until it is written, and an object with a getter takes JSON.stringify off its fast path (measured:
 * a third of the chat door's extra CPU over the Gemini door for a 1 KB answer).
 */
export function withImageField<T extends object>(
  target: T,
  key: string,
  prefix: string,
  blob: { data?: unknown },
): T {
  const data = Object.getOwnPropertyDescriptor(blob, 'data');
  if (data && 'value' in data && typeof data.value === 'string') {
    (target as Record<string, unknown>)[key] = `${prefix}${data.value}`;
    return target;
  }
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => `${prefix}${String(blob.data ?? '')}`,
  });
  Object.defineProperty(target, imageField, { value: { key, prefix, blob } satisfies ImageField });
  return target;
}

/** `{ url: prefix + blob.data }`: a data URL of an inline image (see withImageField). */
export function imageUrlOf(prefix: string, blob: { data?: unknown }): { url: string } {
  return withImageField({} as { url: string }, 'url', prefix, blob);
}

const marker = '\u0000imagegate-json-image:';
const markerPattern = /"\\u0000imagegate-json-image:(\d+)"/g;

/**
 * JSON.stringify(value) as UTF-8 bytes, in pieces: each lazily parsed image is a view of the buffer
 * it was parsed from, not a copy. Sending the pieces one after the other (a request body, an
 * answer, a stream frame) costs no body-sized allocation.
 */
export function jsonWithImagesPieces(value: unknown, space?: number): Buffer[] {
  // A replacer takes JSON.stringify off V8's fast path: only values with an image view need it.
  if (!holdsImageView(value)) return [Buffer.from(JSON.stringify(value, null, space), 'utf8')];
  const images: Array<{ prefix: string; bytes: Buffer }> = [];
  const placeholder = (prefix: string, bytes: Buffer) => {
    images.push({ prefix, bytes });
    return `${marker}${images.length - 1}`;
  };
  const text = JSON.stringify(
    value,
    function replace(this: unknown, _key: string, current: unknown) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return current;
      // An image field, or a blob whose own `data` is the image.
      const field = (current as { [imageField]?: ImageField })[imageField];
      const source = lazyImageSource(field ? field.blob : current);
      if (!source) return current;
      // Still the parsed bytes: every other key as is, the image by placeholder.
      const imageKey = field ? field.key : 'data';
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(current)) {
        copy[key] =
          key === imageKey
            ? placeholder(field?.prefix ?? '', source.bytes())
            : (current as Record<string, unknown>)[key];
      }
      return copy;
    },
    space,
  );
  if (images.length === 0) return [Buffer.from(text, 'utf8')];
  const pieces: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(markerPattern)) {
    const image = images[Number(match[1])];
    pieces.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    // The prefix is JSON-escaped like any string; the base64 after it never needs escaping.
    pieces.push(
      Buffer.from(JSON.stringify(image.prefix).slice(0, -1), 'utf8'),
      image.bytes,
      Buffer.from('"'),
    );
    last = (match.index ?? 0) + match[0].length;
  }
  pieces.push(Buffer.from(text.slice(last), 'utf8'));
  return pieces;
}

/**
 * Whether a value holds an image jsonWithImagesPieces writes as a view (an image field or a blob
 * whose image is still lazy). Reads no image field's value, so no image is built as a string on
 * the way.
 */
function holdsImageView(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > 64) return true; // unusually deep: the replacer path handles it as before
  if (Array.isArray(value)) return value.some((item) => holdsImageView(item, depth + 1));
  // An image field counts only while its image is still the parsed bytes: a small answer's image
  // is an ordinary string, which plain JSON.stringify writes fastest.
  const field = (value as { [imageField]?: ImageField })[imageField];
  if (lazyImageSource(field ? field.blob : value)) return true;
  for (const key of Object.keys(value)) {
    if (key === field?.key) continue;
    if (holdsImageView((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** Total bytes of some pieces. */
export function piecesLength(pieces: readonly Buffer[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return length;
}
