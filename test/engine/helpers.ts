// Test helpers: build small PNGs and read single pixels back with sharp.
import sharp from 'sharp';

export interface Color {
  r: number;
  g: number;
  b: number;
}

/** A plain background with a coloured square (top-left corner at left/top). */
export async function squareOnBackground(options: {
  width: number;
  height: number;
  background: Color;
  square: Color;
  left: number;
  top: number;
  side: number;
}): Promise<Buffer> {
  const square = await sharp({
    create: { width: options.side, height: options.side, channels: 3, background: options.square },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width: options.width, height: options.height, channels: 3, background: options.background },
  })
    .composite([{ input: square, left: options.left, top: options.top }])
    .png()
    .toBuffer();
}

export async function pixelAt(png: Buffer, x: number, y: number): Promise<Color> {
  const { data, info } = await sharp(png)
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return { r: data[offset], g: data[offset + 1], b: data[offset + 2] };
}

export async function sizeOf(png: Buffer): Promise<{ width: number; height: number; format: string }> {
  const metadata = await sharp(png).metadata();
  return { width: metadata.width ?? 0, height: metadata.height ?? 0, format: metadata.format ?? '' };
}
