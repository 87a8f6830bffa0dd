// Pixel helpers for end-to-end tests: colour checks on pixels read with the engine tests' pixelAt.
import type { Color } from '../engine/helpers.js';

export { pixelAt } from '../engine/helpers.js';

export function isBlue({ r, g, b }: Color): boolean {
  return b > 150 && r < 100 && g < 100;
}

export function isRed({ r, g, b }: Color): boolean {
  return r > 150 && g < 100 && b < 100;
}

/** Whether base64 text decodes to PNG bytes (the signature's "PNG" at offset 1). */
export function isPngBase64(b64: string | null | undefined): boolean {
  return (
    Buffer.from(b64 ?? '', 'base64')
      .subarray(1, 4)
      .toString() === 'PNG'
  );
}
