// Decoded images as raw 8-bit RGBA pixels, and the conversions to and from encoded bytes and sharp.

import sharp, { type Sharp } from 'sharp';
import { untrustedSharpOptions } from '../security/limits.js';

export interface RasterImage {
  /** width × height × 4 bytes, row-major RGBA. */
  data: Buffer;
  width: number;
  height: number;
}

async function toRaster(pipeline: Sharp): Promise<RasterImage> {
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`expected 4 channels after decoding, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** Decodes PNG/JPEG/WEBP/GIF/... bytes, honouring the EXIF orientation. */
export async function decodeImage(bytes: Buffer): Promise<RasterImage> {
  return toRaster(sharp(bytes, untrustedSharpOptions).autoOrient());
}

/** A sharp pipeline reading the raster's raw pixels. */
export function sharpFrom(image: RasterImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
}

/** Runs one sharp step over the raster and returns the new raster. */
export async function transform(image: RasterImage, step: (pipeline: Sharp) => Sharp): Promise<RasterImage> {
  // Materialise the step first so that geometry operations are not reordered by sharp.
  const { data, info } = await step(sharpFrom(image)).raw().toBuffer({ resolveWithObject: true });
  // Steps on 8-bit sRGB RGBA give RGBA back: one more pass would only copy every pixel again.
  if (info.channels === 4 && data.length === info.width * info.height * 4) {
    return { data, width: info.width, height: info.height };
  }
  return toRaster(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }));
}

function isOpaque(image: RasterImage): boolean {
  for (let index = 3; index < image.data.length; index += 4) {
    if (image.data[index] !== 255) return false;
  }
  return true;
}

/** PNG bytes; the alpha channel is dropped when every pixel is opaque. */
export async function encodePng(image: RasterImage): Promise<Buffer> {
  const pipeline = sharpFrom(image);
  return (isOpaque(image) ? pipeline.removeAlpha() : pipeline).png().toBuffer();
}
