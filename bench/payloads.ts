// The bench workload's bytes: deterministic PNG-ish images per size class, the request bodies each
// door expects, and the fingerprint every answer is checked against.

export type SizeClass = '1KB' | '1MB' | '10MB';
export type ImageKind = SizeClass | 'stream8MB';

export const imageBytesOf: Record<ImageKind, number> = {
  '1KB': 1024,
  '1MB': 1024 * 1024,
  '10MB': 10 * 1024 * 1024,
  stream8MB: 8 * 1024 * 1024,
};

export const BENCH_MODEL = 'gemini-3.1-flash-image';
/**
 * What BENCH_MODEL reports for one 1K output image (the catalog's figure). A healthy route reports
 * it; any other count is billing drift, and every request would write an evidence row.
 */
export const BENCH_IMAGE_TOKENS = 1120;

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const pngEnd = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

function writeChunkHeader(image: Buffer, offset: number, length: number, type: string): void {
  image.writeUInt32BE(length, offset);
  image.write(type, offset + 4, 'latin1');
}

/**
 * Same seed, same bytes: the upstream and the checker build the answer image independently. A PNG
 * skeleton (signature, 1024×1024 IHDR, one IDAT of noise, IEND) so header and end-marker checks pass;
 * nothing decodes it (CRCs are not computed).
 */
export function pngLikeImage(length: number, seed: number): Buffer {
  const image = Buffer.allocUnsafe(length);
  let state = seed >>> 0 || 1;
  for (let offset = 0; offset < length; offset += 1) {
    // xorshift32: cheap, and the bytes do not compress or repeat.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    image[offset] = state & 0xff;
  }
  pngSignature.copy(image, 0);
  writeChunkHeader(image, 8, 13, 'IHDR');
  image.writeUInt32BE(1024, 16);
  image.writeUInt32BE(1024, 20);
  image.set([8, 6, 0, 0, 0], 24);
  const idatStart = 8 + 25;
  writeChunkHeader(image, idatStart, length - idatStart - 12 - pngEnd.length, 'IDAT');
  pngEnd.copy(image, length - pngEnd.length);
  return image;
}

/** Seeds: answers and requests differ, so a proxy that echoed the request would fail the check. */
export const answerSeed: Record<ImageKind, number> = { '1KB': 11, '1MB': 12, '10MB': 13, stream8MB: 14 };
const requestSeed: Record<SizeClass, number> = { '1KB': 21, '1MB': 22, '10MB': 23 };

/** The upstream answers with the image of the class its request body falls in. */
export function sizeClassOfRequest(bodyBytes: number): SizeClass {
  if (bodyBytes <= 256 * 1024) return '1KB';
  if (bodyBytes <= 4 * 1024 * 1024) return '1MB';
  return '10MB';
}

export interface ImageFingerprint {
  base64: Buffer;
  length: number;
  head: string;
  tail: string;
}

export function answerFingerprint(kind: ImageKind): ImageFingerprint {
  const base64 = Buffer.from(pngLikeImage(imageBytesOf[kind], answerSeed[kind]).toString('base64'), 'latin1');
  return {
    base64,
    length: base64.length,
    head: base64.toString('latin1', 0, 48),
    tail: base64.toString('latin1', base64.length - 48),
  };
}

export type Protocol = 'gemini' | 'chat';

/** One request body per protocol and size, built once and sent as the same Buffer every time. */
export function requestBody(protocol: Protocol, size: SizeClass): Buffer {
  const data = pngLikeImage(imageBytesOf[size], requestSeed[size]).toString('base64');
  const prompt = 'Replace the sky with a purple sunset; keep everything else unchanged.';
  if (protocol === 'gemini') {
    return Buffer.from(
      JSON.stringify({
        contents: [
          { role: 'user', parts: [{ text: prompt }, { inlineData: { mimeType: 'image/png', data } }] },
        ],
        generationConfig: { responseModalities: ['IMAGE'] },
      }),
    );
  }
  return Buffer.from(
    JSON.stringify({
      model: BENCH_MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: prompt },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } },
          ],
        },
      ],
    }),
  );
}

const base64Byte = new Uint8Array(256);
for (const character of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') {
  base64Byte[character.charCodeAt(0)] = 1;
}

/**
 * Finds the answer image in any response shape (Gemini JSON, chat JSON, data URL, SSE) and checks
 * its length, head and tail; `full` also compares every byte. Returns what is wrong, or undefined.
 */
export function checkImage(body: Buffer, expected: ImageFingerprint, full = false): string | undefined {
  const start = body.indexOf(expected.head, 0, 'latin1');
  if (start < 0) return `the upstream's image is not in the answer (${body.length} bytes)`;
  if (start > 0 && base64Byte[body[start - 1]]) return 'the image starts later than the upstream sent it';
  // The image must end exactly where the upstream's ended: its tail, then a non-base64 byte.
  const end = start + expected.length;
  if (
    end > body.length ||
    base64Byte[body[end]] ||
    body.toString('latin1', end - expected.tail.length, end) !== expected.tail
  ) {
    return `image length or tail differs from the upstream's (${expected.length} chars)`;
  }
  if (full && !body.subarray(start, end).equals(expected.base64))
    return 'image bytes differ from the upstream';
  return undefined;
}
