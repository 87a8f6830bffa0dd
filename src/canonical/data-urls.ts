// Base64 data URLs of the OpenAI doors, kept out of JavaScript strings. The JSON parse left each long
// data URL as an unread byte range (src/canonical/skip-image-strings.ts); before the body is
// validated, each is swapped for a short stand-in `data:<type>;base64,<marker>` that the schema can
// read, and the door's to-canonical turns the stand-in back into an inline image over the same bytes.
import { type LazySource, lazyImageBlob, lazyStringSource } from './skip-image-strings.js';

const dataUrlHeaderPattern = /^data:([^;,]+)?(;[^,]*)?$/;

/**
 * `data:image/png;base64,…` → declared type and the base64 text after the comma, found without
 * scanning the multi-megabyte rest (the text is a slice of `url`, not a copy); undefined when not
 * a base64 data URL.
 */
export function splitDataUrl(url: string): { base64: string; mimeType?: string } | undefined {
  const comma = url.indexOf(',', 0);
  if (comma < 0 || comma > 512) return undefined;
  const header = dataUrlHeaderPattern.exec(url.slice(0, comma));
  if (!header?.[2]?.includes('base64')) return undefined;
  return { base64: url.slice(comma + 1), mimeType: header[1] };
}

/** `data:image/png;base64,…` → bytes + declared type; undefined when not a base64 data URL. */
export function decodeDataUrl(url: string): { data: Buffer; mimeType?: string } | undefined {
  const split = splitDataUrl(url);
  return split && { data: Buffer.from(split.base64, 'base64'), mimeType: split.mimeType };
}

export interface LazyDataUrl {
  source: LazySource;
  /** Where the base64 starts: just after the comma. */
  offset: number;
  mimeType: string;
}

/** Stand-ins of one request → their data URL's bytes. */
export type LazyDataUrls = Map<string, LazyDataUrl>;

const marker = '\u0000imagegate-data-url:';

/** Chat: swaps the lazy data URLs of `messages[].content[]` and `messages[].images[]` for stand-ins. */
export function standInForChatDataUrls(body: unknown): LazyDataUrls {
  const found: LazyDataUrls = new Map();
  const messages = (body as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return found;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { content, images } = message as { content?: unknown; images?: unknown };
    for (const list of [content, images]) {
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        const imageUrl = (item as { image_url?: unknown } | null)?.image_url;
        if (imageUrl !== null && typeof imageUrl === 'object') standIn(imageUrl, 'url', found);
      }
    }
  }
  return found;
}

/** Images edits (JSON form): swaps the lazy data URLs of `images[].image_url` and `mask.image_url`. */
export function standInForEditDataUrls(body: unknown): LazyDataUrls {
  const found: LazyDataUrls = new Map();
  const { images, mask } = (body ?? {}) as { images?: unknown; mask?: unknown };
  for (const reference of [...(Array.isArray(images) ? images : []), mask]) {
    if (reference !== null && typeof reference === 'object') standIn(reference, 'image_url', found);
  }
  return found;
}

function standIn(record: object, key: string, found: LazyDataUrls): void {
  const source = lazyStringSource(record, key);
  if (!source) return;
  // The header is within the first 512 characters, where splitDataUrl looks for it.
  const head = splitDataUrl(source.read(0, Math.min(source.length, 512)));
  if (!head?.mimeType) return;
  const offset = Math.min(source.length, 512) - head.base64.length;
  const stand = `data:${head.mimeType};base64,${marker}${found.size}`;
  found.set(stand, { source, offset, mimeType: head.mimeType });
  Object.defineProperty(record, key, {
    value: stand,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The inline image `{ mimeType, data }` behind a stand-in, its base64 still an unread byte range. */
export function lazyDataUrlBlob(lazy: LazyDataUrl) {
  return lazyImageBlob(lazy.mimeType, lazy.source, lazy.offset);
}
