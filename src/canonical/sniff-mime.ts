// Recognises an image format from its first bytes (magic numbers), never from a declared mime type.

function startsWith(buffer: Buffer, bytes: readonly number[], offset = 0): boolean {
  if (buffer.length < offset + bytes.length) return false;
  return bytes.every((byte, index) => buffer[offset + index] === byte);
}

function ascii(buffer: Buffer, start: number, end: number): string {
  return buffer.length >= end ? buffer.toString('latin1', start, end) : '';
}

const heicBrands: ReadonlySet<string> = new Set([
  'heic',
  'heix',
  'hevc',
  'hevx',
  'heim',
  'heis',
  'mif1',
  'msf1',
]);

/** The image mime type of the bytes (png, jpeg, webp, gif, avif, heic, tiff, bmp), or undefined. */
export function imageMimeFromBytes(buffer: Buffer): string | undefined {
  if (startsWith(buffer, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(buffer, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(buffer, 0, 4) === 'RIFF' && ascii(buffer, 8, 12) === 'WEBP') return 'image/webp';
  const gifSignature = ascii(buffer, 0, 6);
  if (gifSignature === 'GIF87a' || gifSignature === 'GIF89a') return 'image/gif';
  if (ascii(buffer, 4, 8) === 'ftyp') {
    const brand = ascii(buffer, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'image/avif';
    if (heicBrands.has(brand)) return 'image/heic';
  }
  if (startsWith(buffer, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buffer, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'image/tiff';
  if (ascii(buffer, 0, 2) === 'BM' && buffer.length >= 26) return 'image/bmp';
  return undefined;
}
