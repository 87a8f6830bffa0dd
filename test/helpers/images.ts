// Pixel helpers for tests: read an RGB pixel of a PNG with sharp.
import sharp from 'sharp';

export async function pixelAt(png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset], data[offset + 1], data[offset + 2]];
}

export function isBlue([red, green, blue]: [number, number, number]): boolean {
  return blue > 150 && red < 100 && green < 100;
}

export function isRed([red, green, blue]: [number, number, number]): boolean {
  return red > 150 && green < 100 && blue < 100;
}

/** Whether base64 text decodes to PNG bytes (the signature's "PNG" at offset 1). */
export function isPngBase64(b64: string | null | undefined): boolean {
  return (
    Buffer.from(b64 ?? '', 'base64')
      .subarray(1, 4)
      .toString() === 'PNG'
  );
}
