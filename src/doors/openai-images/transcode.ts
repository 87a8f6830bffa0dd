// The one I/O step of the Images reply: re-encode an upstream image to the requested
// output_format with sharp, only when its type differs, and read its pixel size.
import { loadSharp } from '../../engine/load-sharp.js';
import { pixelMemory, rgbaBytes } from '../../engine/pixel-memory.js';
import { copyImageData, imageDataSlice } from '../../canonical/skip-image-strings.js';
import { readImageDimensions } from '../../security/image-header.js';
import { untrustedSharpOptions } from '../../security/limits.js';
import type { ImagesOutputFormat } from './schema.js';

export interface EncodedImage {
  mimeType: string;
  /** Base64; while it is still a range of the upstream answer, decoded only when read. */
  data: string;
  width?: number;
  height?: number;
}

export const mimeTypeForFormat: Readonly<Record<ImagesOutputFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/** An image whose `data` is the blob's, still undecoded if it was. */
export function encodedImageOf(blob: { mimeType: string; data?: unknown }): EncodedImage {
  const image = { mimeType: blob.mimeType } as EncodedImage;
  if (!copyImageData(blob, image as unknown as Record<string, unknown>)) image.data = String(blob.data ?? '');
  return image;
}

/** Base64 characters decoded for a header: 64 KiB holds any PNG, WebP or GIF header and most JPEG ones. */
const headerCharacters = 64 * 1024;

export async function transcodeImage(
  image: EncodedImage,
  format: ImagesOutputFormat,
  compression?: number,
): Promise<EncodedImage> {
  const targetMime = mimeTypeForFormat[format];
  if (image.mimeType === targetMime) {
    // Passed on as it came: its size is read from the header, the rest is never decoded here.
    const same = encodedImageOf(image);
    const head = Buffer.from(imageDataSlice(image, 0, headerCharacters), 'base64');
    const size =
      readImageDimensions(head, targetMime) ??
      (await (await loadSharp())(Buffer.from(image.data, 'base64'), untrustedSharpOptions).metadata());
    same.width = size.width;
    same.height = size.height;
    return same;
  }
  // OpenAI defaults output_compression to 100 for full quality, so it is an encoder quality.
  const quality = compression === undefined ? undefined : Math.max(1, compression);
  const sharp = await loadSharp();
  const bytes = Buffer.from(image.data, 'base64');
  const size =
    readImageDimensions(bytes.subarray(0, headerCharacters), image.mimeType) ??
    (await sharp(bytes, untrustedSharpOptions).metadata());
  // Decoding an upstream's image to re-encode it holds its pixels: counted like the engine's.
  return pixelMemory.with(rgbaBytes(size.width ?? 1, size.height ?? 1), undefined, async () => {
    let pipeline = sharp(bytes, untrustedSharpOptions);
    if (format === 'png') pipeline = pipeline.png();
    else if (format === 'jpeg') pipeline = pipeline.flatten({ background: '#ffffff' }).jpeg({ quality });
    else pipeline = pipeline.webp({ quality });
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { mimeType: targetMime, data: data.toString('base64'), width: info.width, height: info.height };
  });
}
