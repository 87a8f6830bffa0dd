// Parses a large Gemini JSON answer without running JSON.parse over its multi-megabyte base64 image
// strings: their byte ranges are found with Buffer.indexOf, left out of the text that is parsed, and
// attached back as `data` properties decoded only when something reads them. A gateway relaying the
// answer's own bytes then never decodes the image at all. Pure (no I/O).

const dataKey = Buffer.from('"data"');
const quote = 0x22;
const backslash = 0x5c;
/** Shorter strings are parsed normally; only image-sized ones are worth skipping. */
const minimumSkippedLength = 4096;

interface SkippedString {
  start: number;
  end: number;
}

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Byte ranges of long, escape-free string values of `"data"` keys. */
export function findImageStrings(body: Buffer): SkippedString[] {
  const found: SkippedString[] = [];
  let from = 0;
  for (;;) {
    const at = body.indexOf(dataKey, from);
    if (at < 0) return found;
    let index = at + dataKey.length;
    while (isJsonSpace(body[index])) index += 1;
    if (body[index] !== 0x3a) {
      from = index;
      continue;
    }
    index += 1;
    while (isJsonSpace(body[index])) index += 1;
    if (body[index] !== quote) {
      from = index;
      continue;
    }
    const start = index + 1;
    const end = body.indexOf(quote, start);
    if (end < 0) return found;
    const backslashAt = body.indexOf(backslash, start);
    // base64 never contains a backslash; a string that does is ordinary JSON text, parsed normally.
    if (end - start >= minimumSkippedLength && (backslashAt < 0 || backslashAt > end))
      found.push({ start, end });
    from = end + 1;
  }
}

const placeholderPrefix = '\u0000imagegate-image:';
/** On a blob whose `data` is still the undecoded byte range: where that range is. */
const lazySource = Symbol.for('imagegate.lazyImageSource');

interface LazySource {
  body: Buffer;
  start: number;
  end: number;
}

type BlobLike = { data?: unknown; [lazySource]?: () => LazySource | undefined };

/** Length of a blob's base64 string, without decoding one that is still lazy. */
export function imageDataLength(blob: BlobLike): number {
  const source = blob[lazySource]?.();
  if (source) return source.end - source.start;
  return typeof blob.data === 'string' ? blob.data.length : 0;
}

/** Characters `from`..`to` of a blob's base64 string (negative = from the end), decoding only those. */
export function imageDataSlice(blob: BlobLike, from: number, to?: number): string {
  const source = blob[lazySource]?.();
  if (!source) return typeof blob.data === 'string' ? blob.data.slice(from, to) : '';
  const length = source.end - source.start;
  const clamp = (index: number) => Math.min(length, Math.max(0, index < 0 ? length + index : index));
  const start = clamp(from);
  const end = to === undefined ? length : clamp(to);
  return end <= start ? '' : source.body.toString('utf8', source.start + start, source.start + end);
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

/** JSON.parse of `body` with the image strings skipped and re-attached lazily. */
export function parseSkippingImageStrings(body: Buffer): unknown {
  const skipped = findImageStrings(body);
  if (skipped.length === 0) return JSON.parse(body.toString('utf8'));
  const pieces: Buffer[] = [];
  let last = 0;
  skipped.forEach((range, index) => {
    // The placeholder is written as a JSON escape (\u0000…) so the skeleton stays valid JSON.
    pieces.push(body.subarray(last, range.start), Buffer.from(`\\u0000imagegate-image:${index}`));
    last = range.end;
  });
  pieces.push(body.subarray(last));
  const skeleton: unknown = JSON.parse(Buffer.concat(pieces).toString('utf8'));
  reattach(skeleton, body, skipped, 0);
  return skeleton;
}

function reattach(value: unknown, body: Buffer, skipped: SkippedString[], depth: number): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) reattach(item, body, skipped, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'data' && typeof child === 'string' && child.startsWith(placeholderPrefix)) {
      const range = skipped[Number(child.slice(placeholderPrefix.length))];
      let decoded: string | undefined;
      let replaced = false;
      Object.defineProperty(record, lazySource, {
        enumerable: false,
        value: () => (replaced ? undefined : { body, start: range.start, end: range.end }),
      });
      Object.defineProperty(record, 'data', {
        enumerable: true,
        configurable: true,
        // The range holds no escapes, so its UTF-8 decoding is the string (for base64, plain ASCII).
        get: () => {
          decoded ??= body.toString('utf8', range.start, range.end);
          return decoded;
        },
        set: (next: string) => {
          decoded = next;
          replaced = true;
        },
      });
    } else reattach(child, body, skipped, depth + 1);
  }
}
