// Keeps a chat request's base64 data URLs out of JavaScript strings. The JSON parse left each long
// data URL as an unread byte range (src/canonical/skip-image-strings.ts); before the body is
// validated, each is swapped for a short stand-in `data:<type>;base64,<marker>` that the schema can
// read, and to-canonical turns the stand-in back into an inline image over the same bytes.
import { type LazySource, lazyStringSource } from '../../canonical/skip-image-strings.js';
import { splitDataUrl } from '../openai-images/to-canonical.js';

export interface LazyDataUrl {
  source: LazySource;
  /** Where the base64 starts: just after the comma. */
  offset: number;
  mimeType: string;
}

/** Stand-ins of one request → their data URL's bytes. */
export type LazyDataUrls = Map<string, LazyDataUrl>;

const marker = '\u0000imagegate-data-url:';

/** Swaps the lazy data URLs of `messages[].content[]` and `messages[].images[]` for stand-ins. */
export function standInForLazyDataUrls(body: unknown): LazyDataUrls {
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
        if (imageUrl !== null && typeof imageUrl === 'object') standIn(imageUrl, found);
      }
    }
  }
  return found;
}

function standIn(imageUrl: object, found: LazyDataUrls): void {
  const source = lazyStringSource(imageUrl, 'url');
  if (!source) return;
  // The header is within the first 512 characters, where splitDataUrl looks for it.
  const head = splitDataUrl(source.read(0, Math.min(source.length, 512)));
  if (!head?.mimeType) return;
  const offset = Math.min(source.length, 512) - head.base64.length;
  const stand = `data:${head.mimeType};base64,${marker}${found.size}`;
  found.set(stand, { source, offset, mimeType: head.mimeType });
  Object.defineProperty(imageUrl, 'url', {
    value: stand,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
