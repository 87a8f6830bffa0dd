// OpenAI `size`/`quality` ↔ Gemini `imageConfig.aspectRatio`/`imageSize`: the tables and the pure
// nearest-value rules both directions use. See docs/openai-mapping.md for the rows.
import type { ImageConfig } from './types.js';

/** The slice of a catalog model's capabilities the size mapping reads (`ModelCapabilities` fits). */
export interface CatalogLikeCapabilities {
  aspectRatios: readonly string[];
  imageSizes: readonly string[];
  defaultImageSize?: string | null;
}

export type OpenAiQuality = 'auto' | 'low' | 'medium' | 'high' | 'standard' | 'hd';

export interface PixelSize {
  width: number;
  height: number;
}

/**
 * Gemini imageSize tiers, smallest first, with the largest requested pixel count each one covers.
 * A request goes to the smallest tier that holds it (roughly: never fewer pixels than asked for).
 */
export const imageSizeTiers: readonly { imageSize: string; maxPixels: number }[] = [
  { imageSize: '512', maxPixels: 512 * 512 },
  { imageSize: '1K', maxPixels: 1_200_000 },
  { imageSize: '2K', maxPixels: 4_500_000 },
  { imageSize: '4K', maxPixels: Number.POSITIVE_INFINITY },
];

/** With `size: "auto"`, quality picks the tier (low: smallest tier of at least 1K). */
export const imageSizeForQualityTable: Readonly<Record<OpenAiQuality, string>> = {
  low: '1K',
  medium: '1K',
  standard: '1K',
  auto: '1K',
  high: '2K',
  hd: '2K',
};

/** The three gpt-image sizes, chosen by the requested ratio's orientation. */
export const openAiSizeForOrientation = {
  square: '1024x1024',
  portrait: '1024x1536',
  landscape: '1536x1024',
} as const;

/** Largest side accepted in a `WxH` size (gpt-image-1 tops out at 1536; Gemini 4K at ~6336). */
export const maxSizeSide = 8192;
export const minSizeSide = 64;

const sizePattern = /^(\d{1,5})x(\d{1,5})$/;

/** `"1536x1024"` → `{width: 1536, height: 1024}`; undefined for `auto` or anything malformed. */
export function parsePixelSize(size: string): PixelSize | undefined {
  const match = sizePattern.exec(size);
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** `"16:9"` → 16/9; undefined when not `W:H`. */
export function ratioValue(aspectRatio: string): number | undefined {
  const [width, height, extra] = aspectRatio.split(':');
  if (extra !== undefined || !width || !height) return undefined;
  const value = Number(width) / Number(height);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The supported ratio closest to width/height by |log(a) − log(b)| (exact when listed). */
export function nearestAspectRatio(
  width: number,
  height: number,
  supported: readonly string[],
): string | undefined {
  const wanted = Math.log(width / height);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of supported) {
    const value = ratioValue(candidate);
    if (value === undefined) continue;
    const distance = Math.abs(Math.log(value) - wanted);
    if (distance < bestDistance - 1e-12) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Tier index of an imageSize value, or -1 for values outside the table. */
function tierIndex(imageSize: string): number {
  return imageSizeTiers.findIndex((tier) => tier.imageSize === imageSize);
}

/**
 * The supported imageSize nearest to `wanted` by tier distance; on a tie the larger one (so the
 * output is not smaller than asked). Undefined when the model has no imageSize knob.
 */
export function nearestSupportedImageSize(wanted: string, supported: readonly string[]): string | undefined {
  if (supported.includes(wanted)) return wanted;
  const wantedIndex = tierIndex(wanted);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of supported) {
    const index = tierIndex(candidate);
    if (index < 0) continue;
    const distance = Math.abs(index - wantedIndex);
    if (
      distance < bestDistance ||
      (distance === bestDistance && best !== undefined && index > tierIndex(best))
    ) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** The smallest tier that holds width×height pixels, then the nearest one the model supports. */
export function imageSizeForPixels(size: PixelSize, supported: readonly string[]): string | undefined {
  const pixels = size.width * size.height;
  const tier = imageSizeTiers.find((candidate) => pixels <= candidate.maxPixels) ?? imageSizeTiers.at(-1)!;
  return nearestSupportedImageSize(tier.imageSize, supported);
}

/** With `size: "auto"`: quality → imageSize (auto with a model default → that default). */
export function imageSizeForQuality(
  quality: OpenAiQuality,
  capabilities: CatalogLikeCapabilities,
): string | undefined {
  if (capabilities.imageSizes.length === 0) return undefined;
  if (quality === 'auto' && capabilities.defaultImageSize) return capabilities.defaultImageSize;
  if (quality === 'low') {
    const atLeastOneK = capabilities.imageSizes
      .filter((value) => tierIndex(value) >= tierIndex('1K'))
      .sort((left, right) => tierIndex(left) - tierIndex(right));
    if (atLeastOneK.length > 0) return atLeastOneK[0];
  }
  return nearestSupportedImageSize(imageSizeForQualityTable[quality], capabilities.imageSizes);
}

/** OpenAI `size` + `quality` → Gemini imageConfig, limited to what the model supports. */
export function imageConfigForOpenAiSize(
  size: string,
  quality: OpenAiQuality,
  capabilities: CatalogLikeCapabilities,
): ImageConfig {
  const config: ImageConfig = {};
  const pixels = size === 'auto' ? undefined : parsePixelSize(size);
  if (pixels) {
    const aspectRatio = nearestAspectRatio(pixels.width, pixels.height, capabilities.aspectRatios);
    if (aspectRatio) config.aspectRatio = aspectRatio;
    const imageSize = imageSizeForPixels(pixels, capabilities.imageSizes);
    if (imageSize) config.imageSize = imageSize;
  } else {
    const imageSize = imageSizeForQuality(quality, capabilities);
    if (imageSize) config.imageSize = imageSize;
  }
  return config;
}

/** Gemini aspectRatio → the gpt-image size of the same orientation (no ratio → undefined = auto). */
export function openAiSizeForAspectRatio(aspectRatio: string | undefined): string | undefined {
  if (aspectRatio === undefined) return undefined;
  const value = ratioValue(aspectRatio);
  if (value === undefined) return undefined;
  if (Math.abs(Math.log(value)) < 0.05) return openAiSizeForOrientation.square;
  return value < 1 ? openAiSizeForOrientation.portrait : openAiSizeForOrientation.landscape;
}

/** Gemini imageSize → gpt-image quality: 2K/4K ask for detail (high), 512 for speed (low), 1K auto. */
export const openAiQualityForImageSize: Readonly<Record<string, 'low' | 'high'>> = {
  '512': 'low',
  '2K': 'high',
  '4K': 'high',
};

/** The quality an OpenAI response reports for a request that said `auto`/`standard`/`hd`. */
export function reportedQuality(
  quality: OpenAiQuality,
  imageSize: string | undefined,
): 'low' | 'medium' | 'high' {
  if (quality === 'low' || quality === 'medium' || quality === 'high') return quality;
  if (quality === 'standard') return 'medium';
  if (quality === 'hd') return 'high';
  if (imageSize === '512') return 'low';
  if (imageSize === '2K' || imageSize === '4K') return 'high';
  return 'medium';
}
