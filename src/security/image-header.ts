// Reads an image's pixel size from its header (PNG, JPEG, WEBP, GIF) without decoding it, and tells
// whether a PNG or JPEG was cut short, so bombs and truncated uploads are refused before any decoder runs.

export interface ImageDimensions {
  width: number;
  height: number;
}

function pngDimensions(bytes: Buffer): ImageDimensions | undefined {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4).
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Start-of-frame markers carry the frame size; DHT (C4), JPG (C8) and DAC (CC) share the range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDimensions(bytes: Buffer): ImageDimensions | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // Markers without a length field.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return undefined;
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    offset += 2 + length;
  }
  return undefined;
}

function webpDimensions(bytes: Buffer): ImageDimensions | undefined {
  if (bytes.length < 30) return undefined;
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X') {
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  return undefined;
}

function gifDimensions(bytes: Buffer): ImageDimensions | undefined {
  if (bytes.length < 10) return undefined;
  return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
}

/** The pixel size the header declares, or undefined when the format is other or the header unreadable. */
export function readImageDimensions(bytes: Buffer, mimeType: string): ImageDimensions | undefined {
  switch (mimeType) {
    case 'image/png':
      return pngDimensions(bytes);
    case 'image/jpeg':
      return jpegDimensions(bytes);
    case 'image/webp':
      return webpDimensions(bytes);
    case 'image/gif':
      return gifDimensions(bytes);
    default:
      return undefined;
  }
}

const pngEnd = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** A JPEG's end-of-image marker may be followed by a short trailer (padding, vendor bytes). */
const jpegTrailerAllowance = 1024;

/** True when a PNG lacks its IEND chunk or a JPEG its end-of-image marker near the end. */
export function isTruncatedImage(bytes: Buffer, mimeType: string): boolean {
  if (mimeType === 'image/png') {
    return bytes.length < 8 + 25 + 12 || !bytes.subarray(bytes.length - 8).equals(pngEnd);
  }
  if (mimeType === 'image/jpeg') {
    const tail = bytes.subarray(Math.max(0, bytes.length - jpegTrailerAllowance));
    return tail.indexOf(Buffer.from([0xff, 0xd9])) < 0;
  }
  return false;
}
