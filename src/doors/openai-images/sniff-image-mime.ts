// Image type from the first bytes (magic numbers), so a declared Content-Type is never trusted.
// Stand-in until src/canonical/sniff-mime.ts lands; same function name so the swap is one import.

const signatures: readonly { mimeType: string; matches: (bytes: Uint8Array) => boolean }[] = [
  {
    mimeType: 'image/png',
    matches: (bytes) => startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  { mimeType: 'image/jpeg', matches: (bytes) => startsWith(bytes, [0xff, 0xd8, 0xff]) },
  {
    mimeType: 'image/webp',
    matches: (bytes) => ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP',
  },
  { mimeType: 'image/gif', matches: (bytes) => ['GIF87a', 'GIF89a'].includes(ascii(bytes, 0, 6)) },
  {
    mimeType: 'image/heic',
    matches: (bytes) =>
      ascii(bytes, 4, 8) === 'ftyp' && ['heic', 'heix', 'mif1'].includes(ascii(bytes, 8, 12)),
  },
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((value, index) => bytes[index] === value);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (bytes.length < end) return '';
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** `image/png`, `image/jpeg`, `image/webp`, `image/gif` or `image/heic`; undefined when unknown. */
export function imageMimeFromBytes(bytes: Uint8Array): string | undefined {
  return signatures.find((signature) => signature.matches(bytes))?.mimeType;
}
