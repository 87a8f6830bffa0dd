// Keeps a chat request's base64 data URLs out of JavaScript strings. The JSON parse left each long
// data URL as an unread byte range (src/canonical/skip-image-strings.ts); before the body is
// validated, each is swapped for a short stand-in `data:<type>;base64,<marker>` that the schema can
// read, and to-canonical turns the stand-in back into an inline image over the same bytes.
import { type LazySource, lazyStringSource } from '../../canonical/skip-image-strings.js';

export interface LazyDataUrl {
  source: LazySource;
  /** Where the base64 starts: just after the comma. */
  offset: number;
}

/** Stand-ins of one request → their data URL's bytes. */
export type LazyDataUrls = Map<string, LazyDataUrl>;

const marker = '\u0000imagegate-data-url:';
const headerPattern = /^data:[^;,]+(;[^,]*)?,$/;

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
  const head = source.read(0, Math.min(source.length, 512));
  const comma = head.indexOf(',');
  const header = head.slice(0, comma + 1);
  if (comma < 0 || !headerPattern.test(header) || !header.includes('base64')) return;
  const stand = `${header}${marker}${found.size}`;
  found.set(stand, { source, offset: comma + 1 });
  Object.defineProperty(imageUrl, 'url', {
    value: stand,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
