// A PNG of seeded noise: it does not compress, so its size is set by its pixel count. For answers
// past the gateway's large-JSON threshold without a large file in test/fixtures.
import sharp from 'sharp';

export async function noisePng(width: number, height: number, seed = 1): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let index = 0; index < pixels.length; index += 1) {
    // xorshift32: the same bytes on every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[index] = state & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
