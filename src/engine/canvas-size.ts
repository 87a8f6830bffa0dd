// Output dimensions from Gemini's imageConfig: aspectRatio ("16:9") and imageSize ("512" | "1K" | "2K").

export interface AspectRatio {
  width: number;
  height: number;
}

/** Pixels on the long side for each supported imageSize; 1K is the default. */
export const longSideByImageSize: Readonly<Record<string, number>> = { '512': 512, '1K': 1024, '2K': 2048 };

export function parseAspectRatio(text: string): AspectRatio | undefined {
  const found = /^\s*(\d{1,3})\s*:\s*(\d{1,3})\s*$/.exec(text);
  if (!found) return undefined;
  const width = Number(found[1]);
  const height = Number(found[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Canvas for text-to-image: the long side from imageSize, the short side from the ratio. */
export function canvasSize(
  ratio: AspectRatio | undefined,
  longSide: number,
): { width: number; height: number } {
  if (!ratio || ratio.width === ratio.height) return { width: longSide, height: longSide };
  if (ratio.width > ratio.height) {
    return { width: longSide, height: Math.max(1, Math.round((longSide * ratio.height) / ratio.width)) };
  }
  return { width: Math.max(1, Math.round((longSide * ratio.width) / ratio.height)), height: longSide };
}

/** The largest centred box of the given ratio inside a width × height image. */
export function centredCropBox(
  width: number,
  height: number,
  ratio: AspectRatio,
): { left: number; top: number; width: number; height: number } {
  const targetWidth = Math.min(width, Math.round((height * ratio.width) / ratio.height));
  const targetHeight = Math.min(height, Math.round((width * ratio.height) / ratio.width));
  const cropWidth = Math.max(1, targetWidth);
  const cropHeight = Math.max(1, targetHeight);
  return {
    left: Math.floor((width - cropWidth) / 2),
    top: Math.floor((height - cropHeight) / 2),
    width: cropWidth,
    height: cropHeight,
  };
}

/** True when the image's ratio differs from the wanted one by more than 1 %. */
export function differsFromRatio(width: number, height: number, ratio: AspectRatio): boolean {
  return Math.abs(width / height / (ratio.width / ratio.height) - 1) > 0.01;
}
