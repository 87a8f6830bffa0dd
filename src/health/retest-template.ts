// The retest template from the public Gemini image-editing guide: a red square on a plain light
// background, and the instruction to turn the background blue while keeping the square.

import { loadSharp } from '../engine/load-sharp.js';
import type { GenerateContentRequest } from '../canonical/types.js';

export const RETEST_INSTRUCTION =
  'Edit this image: change the background to blue and keep the main square visible. Return image output.';

export const retestImageSide = 512;
export const retestBackground = { r: 245, g: 245, b: 245 };
export const retestSquareColor = { r: 220, g: 30, b: 30 };

/** The square: 40 % of the side, centred. */
export const retestSquareBox = (() => {
  const side = Math.round(retestImageSide * 0.4);
  const offset = Math.round((retestImageSide - side) / 2);
  return { left: offset, top: offset, width: side, height: side };
})();

export async function makeRetestImage(): Promise<Buffer> {
  const sharp = await loadSharp();
  const square = await sharp({
    create: {
      width: retestSquareBox.width,
      height: retestSquareBox.height,
      channels: 3,
      background: retestSquareColor,
    },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width: retestImageSide, height: retestImageSide, channels: 3, background: retestBackground },
  })
    .composite([{ input: square, left: retestSquareBox.left, top: retestSquareBox.top }])
    .png()
    .toBuffer();
}

export function retestRequest(imageBase64: string): GenerateContentRequest {
  return {
    contents: [
      {
        role: 'user',
        parts: [{ text: RETEST_INSTRUCTION }, { inlineData: { mimeType: 'image/png', data: imageBase64 } }],
      },
    ],
    generationConfig: { responseModalities: ['IMAGE'] },
  };
}
