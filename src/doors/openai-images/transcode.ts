// The one I/O step of the Images reply: re-encode an upstream image to the requested
// output_format with sharp, only when its type differs, and read its pixel size.
import sharp from 'sharp';
import { untrustedSharpOptions } from '../../security/limits.js';
import type { ImagesOutputFormat } from './schema.js';

export interface EncodedImage {
  mimeType: string;
  /** Base64. */
  data: string;
  width?: number;
  height?: number;
}

export const mimeTypeForFormat: Readonly<Record<ImagesOutputFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export async function transcodeImage(
  image: EncodedImage,
  format: ImagesOutputFormat,
  compression?: number,
): Promise<EncodedImage> {
  const input = Buffer.from(image.data, 'base64');
  const targetMime = mimeTypeForFormat[format];
  if (image.mimeType === targetMime) {
    const metadata = await sharp(input, untrustedSharpOptions).metadata();
    return { mimeType: targetMime, data: image.data, width: metadata.width, height: metadata.height };
  }
  // OpenAI defaults output_compression to 100 for full quality, so it is an encoder quality.
  const quality = compression === undefined ? undefined : Math.max(1, compression);
  let pipeline = sharp(input, untrustedSharpOptions);
  if (format === 'png') pipeline = pipeline.png();
  else if (format === 'jpeg') pipeline = pipeline.flatten({ background: '#ffffff' }).jpeg({ quality });
  else pipeline = pipeline.webp({ quality });
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { mimeType: targetMime, data: data.toString('base64'), width: info.width, height: info.height };
}
