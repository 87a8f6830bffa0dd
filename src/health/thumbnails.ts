// Small PNG thumbnails of retest inputs and outputs, stored with each result and shown on /status.
import { loadSharp } from '../engine/load-sharp.js';
import { pixelMemory, rgbaBytes } from '../engine/pixel-memory.js';
import { untrustedSharpOptions } from '../security/limits.js';

export const thumbnailSide = 96;

/** A 96 px (longest side) PNG, or undefined when the bytes are not a decodable image. */
export async function makeThumbnail(image: Buffer): Promise<Buffer | undefined> {
  try {
    const sharp = await loadSharp();
    const size = await sharp(image, untrustedSharpOptions).metadata();
    // An upstream's answer may decode to hundreds of megabytes: its pixels are counted first.
    return await pixelMemory.with(rgbaBytes(size.width ?? 1, size.height ?? 1), undefined, () =>
      sharp(image, untrustedSharpOptions)
        .resize({ width: thumbnailSide, height: thumbnailSide, fit: 'inside' })
        .png()
        .toBuffer(),
    );
  } catch {
    return undefined;
  }
}
