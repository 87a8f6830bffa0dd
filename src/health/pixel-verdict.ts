// Judges a retest answer by its pixels, not its HTTP status: the output must decode, its border must be
// predominantly blue, and a square-like non-blue region must remain where the input's square was.

import { GatewayError } from '../canonical/errors.js';
import { loadSharp } from '../engine/load-sharp.js';
import { pixelMemory, rgbaBytes } from '../engine/pixel-memory.js';
import { untrustedSharpOptions } from '../security/limits.js';
import { floodFill } from '../engine/flood-fill.js';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface RetestMetrics {
  /** Share of the 4 % border ring whose pixels are a saturated blue. */
  blueBorderShare?: number;
  /** Intersection over union of the remaining non-blue region's box with the input square's box. */
  iou?: number;
  /** Share of the non-blue region's bounding box that the region fills. */
  fill?: number;
  originalBox?: Box;
  foundBox?: Box;
  outputWidth?: number;
  outputHeight?: number;
}

export interface RetestVerdict {
  outcome: 'pass' | 'no_image' | 'semantic_fail';
  reasons: string[];
  metrics: RetestMetrics;
}

export const passThresholds = { blueBorderShare: 0.7, iou: 0.5, fill: 0.7, borderRing: 0.04 } as const;

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
}

/** Blue-ish and saturated: hue between 185° and 265°, blue the strongest channel. */
export function isBlue(red: number, green: number, blue: number): boolean {
  const maximum = Math.max(red, green, blue);
  const minimum = Math.min(red, green, blue);
  if (blue < maximum || maximum < 50) return false;
  const chroma = maximum - minimum;
  if (chroma / maximum < 0.25) return false;
  const hue = 60 * ((red - green) / chroma + 4);
  return hue >= 185 && hue <= 265;
}

function boundingBox(mask: Uint8Array, width: number, height: number): Box | undefined {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (!mask[y * width + x]) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  return right < 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** The input's square: every pixel that differs clearly from the (top-left) background colour. */
function originalSquareBox(input: Pixels): Box | undefined {
  const { data, width, height } = input;
  const mask = new Uint8Array(width * height);
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    const distance =
      Math.abs(data[pixel * 4] - data[0]) +
      Math.abs(data[pixel * 4 + 1] - data[1]) +
      Math.abs(data[pixel * 4 + 2] - data[2]);
    mask[pixel] = distance > 60 ? 1 : 0;
  }
  return boundingBox(mask, width, height);
}

/** Keeps only the largest 4-connected region of the mask; returns its pixel count. */
function keepLargestRegion(mask: Uint8Array, width: number, height: number): number {
  const labels = new Int32Array(width * height);
  const reached = new Uint8Array(width * height);
  const isMasked = (pixel: number): boolean => mask[pixel] === 1;
  let bestLabel = 0;
  let bestSize = 0;
  let label = 0;
  for (let start = 0; start < mask.length; start += 1) {
    if (!mask[start] || reached[start]) continue;
    label += 1;
    const regionLabel = label;
    const size = floodFill(
      width,
      height,
      [start],
      isMasked,
      (pixel) => {
        labels[pixel] = regionLabel;
      },
      reached,
    );
    if (size > bestSize) {
      bestSize = size;
      bestLabel = regionLabel;
    }
  }
  for (let pixel = 0; pixel < mask.length; pixel += 1)
    mask[pixel] = bestLabel > 0 && labels[pixel] === bestLabel ? 1 : 0;
  return bestSize;
}

function intersectionOverUnion(first: Box, second: Box): number {
  const width =
    Math.min(first.left + first.width, second.left + second.width) - Math.max(first.left, second.left);
  const height =
    Math.min(first.top + first.height, second.top + second.height) - Math.max(first.top, second.top);
  const intersection = Math.max(0, width) * Math.max(0, height);
  const union = first.width * first.height + second.width * second.height - intersection;
  return union > 0 ? intersection / union : 0;
}

function blueShareOfRing(output: Pixels): number {
  const { data, width, height } = output;
  const ring = Math.max(1, Math.round(Math.min(width, height) * passThresholds.borderRing));
  let total = 0;
  let blue = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (x >= ring && x < width - ring && y >= ring && y < height - ring) continue;
      total += 1;
      const offset = (y * width + x) * 4;
      if (isBlue(data[offset], data[offset + 1], data[offset + 2])) blue += 1;
    }
  }
  return total > 0 ? blue / total : 0;
}

async function rawPixels(bytes: Buffer, size?: { width: number; height: number }): Promise<Pixels> {
  const sharp = await loadSharp();
  let pipeline = sharp(bytes, untrustedSharpOptions);
  if (size) pipeline = pipeline.resize({ width: size.width, height: size.height, fit: 'fill' });
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export async function judgeRetestOutput(
  inputPng: Buffer,
  output: { data: Buffer } | undefined,
): Promise<RetestVerdict> {
  if (!output) return { outcome: 'no_image', reasons: ['the answer contains no image'], metrics: {} };
  const input = await rawPixels(inputPng);
  const metrics: RetestMetrics = { originalBox: originalSquareBox(input) };
  let pixels: Pixels;
  try {
    const sharp = await loadSharp();
    const outputMetadata = await sharp(output.data, untrustedSharpOptions).metadata();
    metrics.outputWidth = outputMetadata.width;
    metrics.outputHeight = outputMetadata.height;
    // The upstream's image is decoded whole before it is scaled to the input's size.
    const decodedBytes = rgbaBytes(outputMetadata.width ?? 1, outputMetadata.height ?? 1);
    pixels = await pixelMemory.with(decodedBytes, undefined, () =>
      rawPixels(output.data, { width: input.width, height: input.height }),
    );
  } catch (error) {
    // No room to decode is the gateway's state, not a verdict on the route's image.
    if (error instanceof GatewayError) throw error;
    return { outcome: 'semantic_fail', reasons: ['output does not decode'], metrics };
  }
  const reasons: string[] = [];
  metrics.blueBorderShare = round(blueShareOfRing(pixels));
  if (metrics.blueBorderShare < passThresholds.blueBorderShare) {
    reasons.push(
      `background is not blue: ${Math.round(metrics.blueBorderShare * 100)}% of the border ring is blue ` +
        `(needs ${passThresholds.blueBorderShare * 100}%)`,
    );
  }
  const mask = new Uint8Array(pixels.width * pixels.height);
  for (let pixel = 0; pixel < mask.length; pixel += 1) {
    const offset = pixel * 4;
    mask[pixel] = isBlue(pixels.data[offset], pixels.data[offset + 1], pixels.data[offset + 2]) ? 0 : 1;
  }
  const regionSize = keepLargestRegion(mask, pixels.width, pixels.height);
  const foundBox = boundingBox(mask, pixels.width, pixels.height);
  if (!foundBox || !metrics.originalBox) {
    metrics.iou = 0;
    metrics.fill = 0;
    reasons.push('the square is gone: no non-blue region remains');
  } else {
    metrics.foundBox = foundBox;
    metrics.iou = round(intersectionOverUnion(foundBox, metrics.originalBox));
    metrics.fill = round(regionSize / (foundBox.width * foundBox.height));
    if (metrics.iou < passThresholds.iou) {
      reasons.push(
        `the square moved or changed size: overlap with the original is IoU ${metrics.iou} (needs ${passThresholds.iou})`,
      );
    }
    if (metrics.fill < passThresholds.fill) {
      reasons.push(
        `the remaining region is not square-like: it fills ${Math.round(metrics.fill * 100)}% of its box (needs ${passThresholds.fill * 100}%)`,
      );
    }
  }
  return { outcome: reasons.length === 0 ? 'pass' : 'semantic_fail', reasons, metrics };
}
