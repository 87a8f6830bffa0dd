import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lazyImageSource, parseSkippingImageStrings } from '../../../src/canonical/skip-image-strings.js';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import { collectGeneratedImages } from '../../../src/doors/openai-images/from-canonical.js';
import { transcodeImage } from '../../../src/doors/openai-images/transcode.js';

async function upstreamAnswer(image: Buffer, mimeType: string) {
  const text = JSON.stringify({
    candidates: [{ content: { parts: [{ inlineData: { mimeType, data: image.toString('base64') } }] } }],
  });
  const source = Buffer.from(text);
  return { source, response: parseSkippingImageStrings(source) as GenerateContentResponse };
}

describe('an upstream image passed on in its own format', () => {
  it('is measured from its header and stays the upstream answer’s bytes, never decoded', async () => {
    // Noise does not compress: a PNG of ~1.2 MB whose pixels the header alone does not give away.
    const pixels = Buffer.alloc(640 * 480 * 4);
    for (let index = 0; index < pixels.length; index += 1) pixels[index] = (index * 2654435761) >>> 24;
    const png = await sharp(pixels, { raw: { width: 640, height: 480, channels: 4 } })
      .png()
      .toBuffer();
    const { source, response } = await upstreamAnswer(png, 'image/png');
    const [image] = collectGeneratedImages([response]);
    const encoded = await transcodeImage(image, 'png');
    expect(encoded).toMatchObject({ mimeType: 'image/png', width: 640, height: 480 });
    expect(lazyImageSource(encoded)?.bytes().buffer).toBe(source.buffer);
    expect(encoded.data).toBe(png.toString('base64'));
  });

  it('is decoded and re-encoded when another format was asked for', async () => {
    const png = await sharp({ create: { width: 32, height: 16, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const { response } = await upstreamAnswer(png, 'image/png');
    const [image] = collectGeneratedImages([response]);
    const encoded = await transcodeImage(image, 'webp', 80);
    expect(encoded).toMatchObject({ mimeType: 'image/webp', width: 32, height: 16 });
    expect((await sharp(Buffer.from(encoded.data, 'base64')).metadata()).format).toBe('webp');
  });
});
