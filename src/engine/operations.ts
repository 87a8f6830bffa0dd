// Applies one parsed operation to a raster with sharp, returning the new raster and a note for the
// description. Requests that cannot be honoured raise EngineRefusal (the engine answers NO_IMAGE).

import { replaceBackground } from './background.js';
import { centredCropBox } from './canvas-size.js';
import { describeColor, toHex } from './colors.js';
import { maximumSide, type Operation } from './operation.js';
import { type RasterImage, transform } from './raster.js';

export class EngineRefusal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'EngineRefusal';
  }
}

export interface AppliedOperation {
  image: RasterImage;
  note: string;
}

/** In place: each step owns the raster it was given (see background.ts). */
function grayscale(image: RasterImage): RasterImage {
  const output = image.data;
  for (let offset = 0; offset < output.length; offset += 4) {
    // Rec. 709 luma on the encoded values: deterministic and close to what people expect.
    const luma = Math.round(
      0.2126 * output[offset] + 0.7152 * output[offset + 1] + 0.0722 * output[offset + 2],
    );
    output[offset] = luma;
    output[offset + 1] = luma;
    output[offset + 2] = luma;
  }
  return { data: output, width: image.width, height: image.height };
}

function checkSize(width: number, height: number, what: string): void {
  if (width < 1 || height < 1 || width > maximumSide || height > maximumSide) {
    throw new EngineRefusal(
      `${what} would give ${width}x${height} pixels; each side must be between 1 and ${maximumSide}`,
    );
  }
}

async function placeSideBySide(first: RasterImage, others: RasterImage[]): Promise<RasterImage> {
  const height = first.height;
  const scaled = await Promise.all(
    others.map((other) =>
      transform(other, (pipeline) =>
        pipeline.resize({
          height,
          width: Math.max(1, Math.round((other.width * height) / other.height)),
          fit: 'fill',
        }),
      ),
    ),
  );
  const parts = [first, ...scaled];
  const width = parts.reduce((sum, part) => sum + part.width, 0);
  checkSize(width, height, 'placing the images side by side');
  const output = Buffer.alloc(width * height * 4);
  let left = 0;
  for (const part of parts) {
    for (let y = 0; y < height; y += 1) {
      part.data.copy(output, (y * width + left) * 4, y * part.width * 4, (y + 1) * part.width * 4);
    }
    left += part.width;
  }
  return { data: output, width, height };
}

export async function applyOperation(
  image: RasterImage,
  operation: Operation,
  otherImages: RasterImage[],
): Promise<AppliedOperation> {
  switch (operation.type) {
    case 'background': {
      const result = replaceBackground(image, operation.color.rgb);
      const total = image.width * image.height;
      const share = Math.round((result.replacedPixels / total) * 100);
      return {
        image: result.image,
        note:
          `changed the background (the border-connected region close to ${toHex(result.borderColor)}, ` +
          `${share}% of the pixels) to ${describeColor(operation.color)}; everything else is unchanged`,
      };
    }
    case 'grayscale':
      return { image: grayscale(image), note: 'converted to grayscale' };
    case 'invert':
      return {
        image: await transform(image, (pipeline) => pipeline.negate({ alpha: false })),
        note: 'inverted the colours',
      };
    case 'rotate':
      return {
        image: await transform(image, (pipeline) => pipeline.rotate(operation.degrees)),
        note: `rotated ${operation.degrees}° clockwise`,
      };
    case 'flip':
      return {
        image: await transform(image, (pipeline) =>
          operation.direction === 'horizontal' ? pipeline.flop() : pipeline.flip(),
        ),
        note: `flipped ${operation.direction}ly`,
      };
    case 'blur':
      return {
        image: await transform(image, (pipeline) => pipeline.blur(operation.sigma)),
        note: `blurred with sigma ${operation.sigma}`,
      };
    case 'sharpen':
      return { image: await transform(image, (pipeline) => pipeline.sharpen()), note: 'sharpened' };
    case 'resize':
      return {
        image: await transform(image, (pipeline) =>
          pipeline.resize({ width: operation.width, height: operation.height, fit: 'fill' }),
        ),
        note: `resized to ${operation.width}x${operation.height}`,
      };
    case 'scale': {
      const width = Math.round((image.width * operation.percent) / 100);
      const height = Math.round((image.height * operation.percent) / 100);
      checkSize(width, height, `resizing ${image.width}x${image.height} to ${operation.percent}%`);
      return {
        image: await transform(image, (pipeline) => pipeline.resize({ width, height, fit: 'fill' })),
        note: `resized to ${operation.percent}% (${width}x${height})`,
      };
    }
    case 'crop': {
      const box = centredCropBox(image.width, image.height, {
        width: operation.ratioWidth,
        height: operation.ratioHeight,
      });
      return {
        image: await transform(image, (pipeline) => pipeline.extract(box)),
        note: `centre-cropped to ${operation.ratioWidth}:${operation.ratioHeight} (${box.width}x${box.height})`,
      };
    }
    case 'border': {
      const { red, green, blue } = operation.color.rgb;
      checkSize(image.width + 2 * operation.size, image.height + 2 * operation.size, 'adding the border');
      return {
        image: await transform(image, (pipeline) =>
          pipeline.extend({
            top: operation.size,
            bottom: operation.size,
            left: operation.size,
            right: operation.size,
            background: { r: red, g: green, b: blue, alpha: 1 },
          }),
        ),
        note: `added a ${operation.size} px ${describeColor(operation.color)} border`,
      };
    }
    case 'combine':
      if (otherImages.length === 0) {
        throw new EngineRefusal('placing images side by side needs at least two input images');
      }
      return {
        image: await placeSideBySide(image, otherImages),
        note: `placed ${otherImages.length + 1} images side by side (scaled to a height of ${image.height} px)`,
      };
    case 'draw':
      throw new EngineRefusal(
        'a shape can only be drawn as the first step of a text-to-image request (without an input image)',
      );
  }
}
