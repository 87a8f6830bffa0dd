import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine/index.js';
import type { EngineResult } from '../../src/engine/types.js';
import { type Color, pixelAt, sizeOf, squareOnBackground } from './helpers.js';

const red: Color = { r: 255, g: 0, b: 0 };
const light: Color = { r: 245, g: 245, b: 245 };

/** 100x60 light background with a 20 px red square whose top-left corner is at (10, 20). */
async function sample(): Promise<Buffer> {
  return squareOnBackground({
    width: 100,
    height: 60,
    background: light,
    square: red,
    left: 10,
    top: 20,
    side: 20,
  });
}

function imageOf(result: EngineResult): Extract<EngineResult, { kind: 'image' }> {
  if (result.kind !== 'image') throw new Error(`expected an image, got: ${result.reason}`);
  return result;
}

async function edit(instruction: string, extra: { aspectRatio?: string; imageSize?: string } = {}) {
  return runEngine({ instruction, images: [{ data: await sample(), mimeType: 'image/png' }], ...extra });
}

describe('runEngine edits', () => {
  it('turns the border-connected background blue and keeps the square red', async () => {
    const result = imageOf(await edit('Change the background to blue'));
    expect(await pixelAt(result.image, 0, 0)).toEqual({ r: 0, g: 0, b: 255 });
    expect(await pixelAt(result.image, 99, 59)).toEqual({ r: 0, g: 0, b: 255 });
    expect(await pixelAt(result.image, 20, 30)).toEqual(red);
    expect(result.description).toContain('background');
    expect(result.mimeType).toBe('image/png');
  });

  it('leaves an enclosed region of background colour alone because it is not connected to the border', async () => {
    const framed = await squareOnBackground({
      width: 60,
      height: 60,
      background: light,
      square: red,
      left: 10,
      top: 10,
      side: 40,
    });
    const withHole = await squareOnBackground({
      width: 20,
      height: 20,
      background: light,
      square: light,
      left: 0,
      top: 0,
      side: 1,
    });
    const sharp = (await import('sharp')).default;
    const image = await sharp(framed)
      .composite([{ input: withHole, left: 20, top: 20 }])
      .png()
      .toBuffer();
    const result = imageOf(
      await runEngine({
        instruction: 'make the background black',
        images: [{ data: image, mimeType: 'image/png' }],
      }),
    );
    expect(await pixelAt(result.image, 0, 0)).toEqual({ r: 0, g: 0, b: 0 });
    expect(await pixelAt(result.image, 30, 30)).toEqual(light);
  });

  it('applies several operations in order', async () => {
    const result = imageOf(await edit('make it grayscale and flip it horizontally'));
    const mirroredSquare = await pixelAt(result.image, 99 - 20, 30);
    expect(mirroredSquare.r).toBe(mirroredSquare.g);
    expect(mirroredSquare.r).toBeLessThan(100);
    expect((await pixelAt(result.image, 20, 30)).r).toBeGreaterThan(200);
  });

  it('inverts the colours', async () => {
    const result = imageOf(await edit('invert the colours'));
    expect(await pixelAt(result.image, 20, 30)).toEqual({ r: 0, g: 255, b: 255 });
  });

  it('rotates 90 degrees clockwise', async () => {
    const result = imageOf(await edit('rotate 90 degrees'));
    expect({ width: result.width, height: result.height }).toEqual({ width: 60, height: 100 });
    // (x, y) → (height - 1 - y, x): the square now sits in the top-right area.
    expect(await pixelAt(result.image, 59 - 30, 20)).toEqual(red);
  });

  it('flips vertically', async () => {
    const result = imageOf(await edit('flip vertically'));
    expect(await pixelAt(result.image, 20, 59 - 30)).toEqual(red);
  });

  it('resizes to exact dimensions and by percent', async () => {
    expect(await sizeOf(imageOf(await edit('resize to 50x40')).image)).toMatchObject({
      width: 50,
      height: 40,
    });
    expect(await sizeOf(imageOf(await edit('resize to 200%')).image)).toMatchObject({
      width: 200,
      height: 120,
    });
  });

  it('centre-crops to an aspect ratio', async () => {
    const result = imageOf(await edit('crop to 1:1'));
    expect({ width: result.width, height: result.height }).toEqual({ width: 60, height: 60 });
  });

  it('adds a coloured border of the asked width', async () => {
    const result = imageOf(await edit('add a 5px green border'));
    expect({ width: result.width, height: result.height }).toEqual({ width: 110, height: 70 });
    expect(await pixelAt(result.image, 2, 2)).toEqual({ r: 0, g: 128, b: 0 });
    expect(await pixelAt(result.image, 25, 35)).toEqual(red);
  });

  it('blurs and sharpens without changing the size', async () => {
    const blurred = imageOf(await edit('blur with sigma 2'));
    const edge = await pixelAt(blurred.image, 10, 30);
    expect(edge.g).toBeGreaterThan(0);
    expect(imageOf(await edit('sharpen')).width).toBe(100);
  });

  it('centre-crops an edit to the requested aspectRatio and scales it to imageSize', async () => {
    const result = imageOf(await edit('invert', { aspectRatio: '1:1', imageSize: '512' }));
    expect({ width: result.width, height: result.height }).toEqual({ width: 512, height: 512 });
    expect(result.description).toContain('aspect ratio 1:1');
  });

  it('edits the first of several images and says so', async () => {
    const image = { data: await sample(), mimeType: 'image/png' };
    const result = imageOf(await runEngine({ instruction: 'invert', images: [image, image] }));
    expect(result.description).toContain('first of 2 input images');
  });

  it('places several images side by side when asked to combine them', async () => {
    const image = { data: await sample(), mimeType: 'image/png' };
    const result = imageOf(
      await runEngine({ instruction: 'place them side by side', images: [image, image] }),
    );
    expect({ width: result.width, height: result.height }).toEqual({ width: 200, height: 60 });
    expect(await pixelAt(result.image, 120, 30)).toEqual(red);
  });
});

describe('runEngine text-to-image', () => {
  it('draws a red circle on a white background at 1024x1024 by default', async () => {
    const result = imageOf(
      await runEngine({ instruction: 'a red circle on a white background', images: [] }),
    );
    expect({ width: result.width, height: result.height }).toEqual({ width: 1024, height: 1024 });
    expect(await pixelAt(result.image, 512, 512)).toEqual(red);
    expect(await pixelAt(result.image, 5, 5)).toEqual({ r: 255, g: 255, b: 255 });
  });

  it('uses aspectRatio and imageSize for the canvas', async () => {
    const result = imageOf(
      await runEngine({
        instruction: 'a blue square on a yellow background',
        images: [],
        aspectRatio: '16:9',
        imageSize: '512',
      }),
    );
    expect({ width: result.width, height: result.height }).toEqual({ width: 512, height: 288 });
    expect(await pixelAt(result.image, 256, 144)).toEqual({ r: 0, g: 0, b: 255 });
    expect(await pixelAt(result.image, 2, 2)).toEqual({ r: 255, g: 255, b: 0 });
  });

  it('draws a triangle with its apex at the top', async () => {
    const result = imageOf(
      await runEngine({ instruction: 'a black triangle', images: [], imageSize: '512' }),
    );
    expect(await pixelAt(result.image, 256, 350)).toEqual({ r: 0, g: 0, b: 0 });
    expect(await pixelAt(result.image, 120, 120)).toEqual({ r: 255, g: 255, b: 255 });
  });
});

describe('runEngine refusals', () => {
  it('answers no_image with the supported instructions when it does not understand', async () => {
    const result = await edit('make the cat wear a hat');
    expect(result.kind).toBe('no_image');
    if (result.kind === 'no_image') expect(result.reason).toContain('Supported instructions');
  });

  it('answers no_image for an edit without an input image', async () => {
    const result = await runEngine({ instruction: 'grayscale', images: [] });
    expect(result).toMatchObject({ kind: 'no_image', reason: expect.stringContaining('no input image') });
  });

  it('answers no_image for an imageSize it cannot produce', async () => {
    const result = await runEngine({ instruction: 'a red circle', images: [], imageSize: '4K' });
    expect(result).toMatchObject({ kind: 'no_image', reason: expect.stringContaining('4K') });
  });

  it('answers no_image when asked to combine a single image', async () => {
    const result = await edit('combine the images');
    expect(result).toMatchObject({ kind: 'no_image', reason: expect.stringContaining('at least two') });
  });
});
