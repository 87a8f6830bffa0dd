import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/engine/raster.js';
import { isTruncatedImage, readImageDimensions } from '../../src/security/image-header.js';
import { maxInputPixels } from '../../src/security/limits.js';
import { blackPng, smallJpeg, smallPng, smallWebp, truncated } from './images.js';

describe('image header reader', () => {
  it('reads the pixel size of PNG, JPEG and WEBP files without decoding them', async () => {
    expect(readImageDimensions(await smallPng(), 'image/png')).toEqual({ width: 64, height: 48 });
    expect(readImageDimensions(await smallJpeg(), 'image/jpeg')).toEqual({ width: 64, height: 48 });
    expect(readImageDimensions(await smallWebp(), 'image/webp')).toEqual({ width: 64, height: 48 });
    const lossless = await sharp(await smallPng())
      .webp({ lossless: true })
      .toBuffer();
    expect(readImageDimensions(lossless, 'image/webp')).toEqual({ width: 64, height: 48 });
    const extended = await sharp(await smallPng())
      .ensureAlpha(0.5)
      .webp()
      .toBuffer();
    expect(readImageDimensions(extended, 'image/webp')).toEqual({ width: 64, height: 48 });
  });

  it('reads the declared size of a decompression bomb from a few kilobytes', () => {
    const bomb = blackPng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(readImageDimensions(bomb, 'image/png')).toEqual({ width: 20_000, height: 20_000 });
  });

  it('answers undefined for headers it cannot read instead of throwing', () => {
    expect(readImageDimensions(Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg')).toBeUndefined();
    expect(readImageDimensions(Buffer.alloc(5), 'image/png')).toBeUndefined();
    expect(readImageDimensions(Buffer.alloc(40), 'image/webp')).toBeUndefined();
  });

  it('tells a truncated PNG or JPEG from a complete one', async () => {
    const png = await smallPng();
    const jpeg = await smallJpeg();
    expect(isTruncatedImage(png, 'image/png')).toBe(false);
    expect(isTruncatedImage(jpeg, 'image/jpeg')).toBe(false);
    expect(isTruncatedImage(truncated(png), 'image/png')).toBe(true);
    expect(isTruncatedImage(truncated(jpeg), 'image/jpeg')).toBe(true);
  });
});

describe('sharp pixel limit', () => {
  it('refuses to decode an image above the pixel limit in the offline engine', async () => {
    const side = Math.ceil(Math.sqrt(maxInputPixels)) + 1;
    await expect(decodeImage(blackPng(side, side))).rejects.toThrow(/pixel limit/i);
  });

  it('still decodes an image under the limit', async () => {
    const image = await decodeImage(blackPng(300, 200));
    expect([image.width, image.height]).toEqual([300, 200]);
  });
});
