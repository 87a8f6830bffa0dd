// JSON text with multi-megabyte base64 images in it, written without building the image into a
// JavaScript string: the rest is JSON.stringify'd with placeholders, and each image is the slice of
// the buffer it was parsed from (src/canonical/skip-image-strings.ts), between the text pieces.
// Values whose image is an ordinary string are written by JSON.stringify.
import { lazyImageSource } from './skip-image-strings.js';

const imageUrlSource = Symbol('imagegate.imageUrlSource');

interface ImageUrlSource {
  prefix: string;
  blob: { data?: unknown };
}

/**
 * `{ url: prefix + blob.data }` (a data URL of an inline image) whose url is built only when read;
 * jsonWithImagesPieces writes it from the image's bytes instead.
 */
export function imageUrlOf(prefix: string, blob: { data?: unknown }): { url: string } {
  const holder = {} as { url: string };
  Object.defineProperty(holder, 'url', {
    enumerable: true,
    get: () => `${prefix}${String(blob.data ?? '')}`,
  });
  Object.defineProperty(holder, imageUrlSource, { value: { prefix, blob } satisfies ImageUrlSource });
  return holder;
}

const marker = '\u0000imagegate-json-image:';
const markerPattern = /"\\u0000imagegate-json-image:(\d+)"/g;

/**
 * JSON.stringify(value) as UTF-8 bytes, in pieces: each lazily parsed image is a view of the buffer
 * it was parsed from, not a copy. Sending the pieces one after the other (a request body, an
 * answer, a stream frame) costs no body-sized allocation.
 */
export function jsonWithImagesPieces(value: unknown, space?: number): Buffer[] {
  const images: Array<{ prefix: string; bytes: Buffer }> = [];
  const placeholder = (prefix: string, bytes: Buffer) => {
    images.push({ prefix, bytes });
    return `${marker}${images.length - 1}`;
  };
  const text = JSON.stringify(
    value,
    function replace(this: unknown, _key: string, current: unknown) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return current;
      const urlSource = (current as { [imageUrlSource]?: ImageUrlSource })[imageUrlSource];
      if (urlSource) {
        const source = lazyImageSource(urlSource.blob);
        return source ? { url: placeholder(urlSource.prefix, source.bytes()) } : current;
      }
      const source = lazyImageSource(current);
      if (!source) return current;
      // A blob whose `data` is still the parsed bytes: every other key as is, `data` by placeholder.
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(current)) {
        copy[key] =
          key === 'data' ? placeholder('', source.bytes()) : (current as Record<string, unknown>)[key];
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

/** Total bytes of some pieces. */
export function piecesLength(pieces: readonly Buffer[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return length;
}
