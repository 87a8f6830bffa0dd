import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isBlue, judgeRetestOutput } from '../../src/health/pixel-verdict.js';
import {
  makeRetestImage,
  RETEST_INSTRUCTION,
  retestImageSide,
  retestRequest,
  retestSquareBox,
} from '../../src/health/retest-template.js';
import { generateWithLocalEngine } from '../../src/providers/local/generate.js';
import { pixelAt, squareOnBackground } from '../engine/helpers.js';

async function editedByLocalEngine(input: Buffer): Promise<Buffer> {
  const response = await generateWithLocalEngine(retestRequest(input.toString('base64')), 'local-image-edit');
  const data = response.candidates?.[0]?.content?.parts?.find((part) => part.inlineData)?.inlineData?.data;
  if (!data) throw new Error('the local engine returned no image');
  return Buffer.from(data, 'base64');
}

describe('retest template', () => {
  it('is a 512x512 PNG with a light background and a red square in the middle', async () => {
    const png = await makeRetestImage();
    const metadata = await sharp(png).metadata();
    expect({ format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({
      format: 'png',
      width: retestImageSide,
      height: retestImageSide,
    });
    const corner = await pixelAt(png, 3, 3);
    expect(Math.min(corner.r, corner.g, corner.b)).toBeGreaterThan(230);
    expect(isBlue(corner.r, corner.g, corner.b)).toBe(false);
    const centre = await pixelAt(png, 256, 256);
    expect(centre.r).toBeGreaterThan(200);
    expect(centre.g).toBeLessThan(60);
    expect(retestSquareBox.width / retestImageSide).toBeCloseTo(0.4, 2);
  });

  it('asks for an image-only answer with the guide instruction', () => {
    expect(retestRequest('QUJD')).toEqual({
      contents: [
        {
          role: 'user',
          parts: [{ text: RETEST_INSTRUCTION }, { inlineData: { mimeType: 'image/png', data: 'QUJD' } }],
        },
      ],
      generationConfig: { responseModalities: ['IMAGE'] },
    });
  });
});

describe('judgeRetestOutput', () => {
  it('passes the local engine answer to the retest', async () => {
    const input = await makeRetestImage();
    const verdict = await judgeRetestOutput(input, { data: await editedByLocalEngine(input) });
    expect(verdict.outcome).toBe('pass');
    expect(verdict.reasons).toEqual([]);
    expect(verdict.metrics.blueBorderShare).toBeGreaterThanOrEqual(0.99);
    expect(verdict.metrics.iou).toBeGreaterThanOrEqual(0.95);
    expect(verdict.metrics.fill).toBeGreaterThanOrEqual(0.95);
  });

  it('fails the unedited input image', async () => {
    const input = await makeRetestImage();
    const verdict = await judgeRetestOutput(input, { data: input });
    expect(verdict.outcome).toBe('semantic_fail');
    expect(verdict.reasons.join(' ')).toContain('background is not blue');
    expect(verdict.metrics.blueBorderShare).toBe(0);
  });

  it('fails an all-blue image because the square is gone', async () => {
    const input = await makeRetestImage();
    const blue = await sharp({
      create: { width: 512, height: 512, channels: 3, background: { r: 20, g: 60, b: 230 } },
    })
      .png()
      .toBuffer();
    const verdict = await judgeRetestOutput(input, { data: blue });
    expect(verdict.outcome).toBe('semantic_fail');
    expect(verdict.reasons.join(' ')).toContain('square is gone');
  });

  it('fails when the square moved to a corner', async () => {
    const input = await makeRetestImage();
    const moved = await squareOnBackground({
      width: 512,
      height: 512,
      background: { r: 0, g: 0, b: 255 },
      square: { r: 220, g: 30, b: 30 },
      left: 300,
      top: 300,
      side: 205,
    });
    const verdict = await judgeRetestOutput(input, { data: moved });
    expect(verdict.outcome).toBe('semantic_fail');
    expect(verdict.metrics.iou).toBeLessThan(0.5);
  });

  it('accepts a sky-blue background at another resolution (JPEG)', async () => {
    const input = await makeRetestImage();
    const skyBluePng = await squareOnBackground({
      width: 1024,
      height: 1024,
      background: { r: 135, g: 206, b: 235 },
      square: { r: 200, g: 40, b: 40 },
      left: 307,
      top: 307,
      side: 410,
    });
    const skyBlue = await sharp(skyBluePng).jpeg().toBuffer();
    const verdict = await judgeRetestOutput(input, { data: skyBlue });
    expect(verdict.outcome).toBe('pass');
    expect(verdict.metrics.outputWidth).toBe(1024);
  });

  it('reports a missing image as no_image and garbage as not decoding', async () => {
    const input = await makeRetestImage();
    expect((await judgeRetestOutput(input, undefined)).outcome).toBe('no_image');
    const garbage = await judgeRetestOutput(input, { data: Buffer.from('not an image') });
    expect(garbage).toMatchObject({ outcome: 'semantic_fail', reasons: ['output does not decode'] });
  });
});
