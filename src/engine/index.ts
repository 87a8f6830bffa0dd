// The built-in offline engine behind `local-image-edit`: parse the instruction, then either edit the
// first input image or draw a shape, applying the operations in order. Unknown requests → no_image.

import {
  canvasSize,
  centredCropBox,
  differsFromRatio,
  longSideByImageSize,
  parseAspectRatio,
} from './canvas-size.js';
import { drawShape } from './draw-shape.js';
import type { Operation } from './operation.js';
import { applyOperation, EngineRefusal } from './operations.js';
import { parseInstruction, supportedInstructions } from './parse-instruction.js';
import { decodeImage, encodePng, type RasterImage, transform } from './raster.js';
import type { EngineImage, EngineInput, EngineResult } from './types.js';

export type { EngineImage, EngineInput, EngineResult } from './types.js';
export { parseInstruction, supportedInstructions } from './parse-instruction.js';

const defaultLongSide = 1024;

async function decodeInputs(images: EngineImage[]): Promise<RasterImage[]> {
  return Promise.all(
    images.map(async (image, index) => {
      try {
        return await decodeImage(image.data);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new EngineRefusal(
          `input image ${index + 1} (${image.mimeType}) could not be decoded: ${detail}`,
        );
      }
    }),
  );
}

interface Start {
  image: RasterImage;
  others: RasterImage[];
  remaining: Operation[];
  notes: string[];
  isEdit: boolean;
}

async function startingImage(input: EngineInput, operations: Operation[], longSide: number): Promise<Start> {
  const [first, ...rest] = operations;
  if (first.type === 'draw') {
    if (input.images.length > 0) {
      throw new EngineRefusal(
        `The instruction describes a new drawing ("${first.shape}") but ${input.images.length} input image(s) were given; ` +
          'shapes are drawn only without an input image, and editing the image needs an edit instruction.',
      );
    }
    const ratio = input.aspectRatio ? parseAspectRatio(input.aspectRatio) : undefined;
    const size = canvasSize(ratio, longSide);
    const image = await drawShape(first, size.width, size.height);
    const sizeWord = first.size === 'medium' ? '' : `${first.size} `;
    const note = `drew a ${sizeWord}${first.shapeColor.name} ${first.shape} on a ${first.backgroundColor.name} background (${size.width}x${size.height})`;
    return { image, others: [], remaining: rest, notes: [note], isEdit: false };
  }
  if (input.images.length === 0) {
    throw new EngineRefusal(
      `This instruction edits an image, but no input image was given. ${supportedInstructions}`,
    );
  }
  const [image, ...others] = await decodeInputs(input.images);
  const combines = operations.some((operation) => operation.type === 'combine');
  const notes =
    input.images.length > 1 && !combines
      ? [`edited the first of ${input.images.length} input images (the others were not used)`]
      : [];
  return { image, others, remaining: operations, notes, isEdit: true };
}

async function fitToImageConfig(
  image: RasterImage,
  input: EngineInput,
  notes: string[],
): Promise<RasterImage> {
  let result = image;
  const ratio = input.aspectRatio ? parseAspectRatio(input.aspectRatio) : undefined;
  if (ratio && differsFromRatio(result.width, result.height, ratio)) {
    const box = centredCropBox(result.width, result.height, ratio);
    result = await transform(result, (pipeline) => pipeline.extract(box));
    notes.push(`centre-cropped to the requested aspect ratio ${input.aspectRatio}`);
  }
  const longSide = input.imageSize ? longSideByImageSize[input.imageSize] : undefined;
  if (longSide && Math.max(result.width, result.height) !== longSide) {
    const scale = longSide / Math.max(result.width, result.height);
    const { width, height } = ratio
      ? canvasSize(ratio, longSide)
      : {
          width: Math.max(1, Math.round(result.width * scale)),
          height: Math.max(1, Math.round(result.height * scale)),
        };
    result = await transform(result, (pipeline) => pipeline.resize({ width, height, fit: 'fill' }));
    notes.push(`resized to imageSize ${input.imageSize}`);
  }
  return result;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function runEngine(input: EngineInput): Promise<EngineResult> {
  const parsed = parseInstruction(input.instruction);
  if (parsed.kind === 'not_understood') return { kind: 'no_image', reason: parsed.reason };
  if (input.aspectRatio !== undefined && !parseAspectRatio(input.aspectRatio)) {
    return {
      kind: 'no_image',
      reason: `aspectRatio "${input.aspectRatio}" is not of the form W:H (e.g. 16:9).`,
    };
  }
  const longSide = input.imageSize === undefined ? defaultLongSide : longSideByImageSize[input.imageSize];
  if (longSide === undefined) {
    return {
      kind: 'no_image',
      reason: `imageSize "${input.imageSize}" is not supported by the local engine; use one of ${Object.keys(longSideByImageSize).join(', ')}.`,
    };
  }
  try {
    const start = await startingImage(input, parsed.operations, longSide);
    let image = start.image;
    const notes = [...start.notes];
    for (const operation of start.remaining) {
      const applied = await applyOperation(image, operation, start.others);
      image = applied.image;
      notes.push(applied.note);
    }
    if (start.isEdit) image = await fitToImageConfig(image, input, notes);
    const png = await encodePng(image);
    const description = `${capitalize(notes.join('; '))}. Output: ${image.width}x${image.height} PNG.`;
    return {
      kind: 'image',
      image: png,
      mimeType: 'image/png',
      width: image.width,
      height: image.height,
      description,
    };
  } catch (error) {
    if (error instanceof EngineRefusal) return { kind: 'no_image', reason: error.message };
    throw error;
  }
}
