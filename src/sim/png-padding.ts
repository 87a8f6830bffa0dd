// Grows a PNG to about N bytes with a tEXt chunk, so tests can exercise multi-megabyte image events
// with a file that still decodes.

import { crc32 } from 'node:zlib';

const iendLength = 12;

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, checksum]);
}

/** Printable filler that does not compress to nothing if a proxy gzips the body. */
function filler(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = 0x41 + ((state >>> 0) % 26);
  }
  return bytes;
}

/** Returns `png` padded to `targetBytes` (unchanged when it is already that large). */
export function padPng(png: Buffer, targetBytes: number): Buffer {
  const overhead = 12 + 'Comment\0'.length;
  const missing = targetBytes - png.length - overhead;
  if (missing <= 0) return png;
  const text = Buffer.concat([Buffer.from('Comment\0', 'latin1'), filler(missing)]);
  const body = png.subarray(0, png.length - iendLength);
  return Buffer.concat([body, pngChunk('tEXt', text), png.subarray(png.length - iendLength)]);
}
