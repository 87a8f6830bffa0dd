import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageMimeFromBytes } from '../../../src/canonical/sniff-mime.js';

const base = () => sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } });

describe('imageMimeFromBytes', () => {
  it('recognises PNG, JPEG, WEBP, GIF and TIFF by their magic bytes', async () => {
    expect(imageMimeFromBytes(await base().png().toBuffer())).toBe('image/png');
    expect(imageMimeFromBytes(await base().jpeg().toBuffer())).toBe('image/jpeg');
    expect(imageMimeFromBytes(await base().webp().toBuffer())).toBe('image/webp');
    expect(imageMimeFromBytes(await base().gif().toBuffer())).toBe('image/gif');
    expect(imageMimeFromBytes(await base().tiff().toBuffer())).toBe('image/tiff');
  });

  it('recognises AVIF and HEIC from the ftyp brand', () => {
    const ftyp = (brand: string) =>
      Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(`ftyp${brand}`, 'latin1')]);
    expect(imageMimeFromBytes(ftyp('avif'))).toBe('image/avif');
    expect(imageMimeFromBytes(ftyp('heic'))).toBe('image/heic');
  });

  it('returns undefined for text, empty and truncated buffers', () => {
    expect(imageMimeFromBytes(Buffer.from('hello world'))).toBeUndefined();
    expect(imageMimeFromBytes(Buffer.alloc(0))).toBeUndefined();
    expect(imageMimeFromBytes(Buffer.from([0x89, 0x50]))).toBeUndefined();
  });
});
