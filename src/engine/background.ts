// "The background": the region connected to the image border whose colour is close to the border's
// dominant colour, found by a flood fill from the border. Everything outside it is left untouched.

import type { Rgb } from './colors.js';
import { floodFill } from './flood-fill.js';
import type { RasterImage } from './raster.js';

/** Largest RGBA distance from the border's dominant colour that still counts as background. */
export const backgroundTolerance = 60;

export interface BackgroundReplacement {
  image: RasterImage;
  /** The dominant border colour that defined the background. */
  borderColor: Rgb;
  replacedPixels: number;
}

function borderPixelIndexes(width: number, height: number): number[] {
  const indexes: number[] = [];
  for (let x = 0; x < width; x += 1) {
    indexes.push(x);
    if (height > 1) indexes.push((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y += 1) {
    indexes.push(y * width);
    if (width > 1) indexes.push(y * width + width - 1);
  }
  return indexes;
}

/** The mean colour of the most common coarse colour bucket among the border pixels. */
export function dominantBorderColor(image: RasterImage): [number, number, number, number] {
  const pixels = image.data;
  const buckets = new Map<number, { count: number; sums: [number, number, number, number] }>();
  for (const pixel of borderPixelIndexes(image.width, image.height)) {
    const offset = pixel * 4;
    const key =
      ((pixels[offset] >> 4) << 12) |
      ((pixels[offset + 1] >> 4) << 8) |
      ((pixels[offset + 2] >> 4) << 4) |
      (pixels[offset + 3] >> 4);
    const bucket = buckets.get(key) ?? { count: 0, sums: [0, 0, 0, 0] };
    bucket.count += 1;
    for (let channel = 0; channel < 4; channel += 1) bucket.sums[channel] += pixels[offset + channel];
    buckets.set(key, bucket);
  }
  let best = { count: 0, sums: [0, 0, 0, 0] as [number, number, number, number] };
  for (const bucket of buckets.values()) if (bucket.count > best.count) best = bucket;
  const mean = best.sums.map((sum) => Math.round(sum / Math.max(1, best.count)));
  return [mean[0], mean[1], mean[2], mean[3]];
}

export function replaceBackground(image: RasterImage, color: Rgb): BackgroundReplacement {
  const { width, height } = image;
  const pixels = image.data;
  const [red, green, blue, alpha] = dominantBorderColor(image);
  const limit = backgroundTolerance * backgroundTolerance;
  const isBackgroundLike = (pixel: number): boolean => {
    const offset = pixel * 4;
    const deltaRed = pixels[offset] - red;
    const deltaGreen = pixels[offset + 1] - green;
    const deltaBlue = pixels[offset + 2] - blue;
    const deltaAlpha = pixels[offset + 3] - alpha;
    return (
      deltaRed * deltaRed + deltaGreen * deltaGreen + deltaBlue * deltaBlue + deltaAlpha * deltaAlpha <= limit
    );
  };

  // The decoded raster belongs to this edit alone: painting it in place saves a copy of every pixel.
  const output = pixels;
  const replacedPixels = floodFill(
    width,
    height,
    borderPixelIndexes(width, height),
    isBackgroundLike,
    (pixel) => {
      const offset = pixel * 4;
      output[offset] = color.red;
      output[offset + 1] = color.green;
      output[offset + 2] = color.blue;
      output[offset + 3] = 255;
    },
  );
  return {
    image: { data: output, width, height },
    borderColor: { red, green, blue },
    replacedPixels,
  };
}
