// The offline engine's thread: runs one edit at a time, so its per-pixel loops (flood fill,
// grayscale, the opacity check) and sharp's decoding never hold up the gateway's event loop.
import { parentPort } from 'node:worker_threads';
import { runEngine } from './index.js';
import { loadSharp } from './load-sharp.js';
import type { EngineInput, EngineResult } from './types.js';

export interface EngineThreadRequest {
  id: number;
  input: EngineInput;
}

export type EngineThreadAnswer =
  | { id: number; result: EngineResult }
  | { id: number; error: { name: string; message: string } };

// Results of earlier edits are never reused, and a cache would keep pixels outside the bound.
const sharp = await loadSharp();
sharp.cache(false);

parentPort?.on('message', async ({ id, input }: EngineThreadRequest) => {
  let answer: EngineThreadAnswer;
  try {
    // Structured clone hands over Uint8Arrays; the engine reads Buffers.
    const images = input.images.map((image) => ({
      mimeType: image.mimeType,
      data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    }));
    answer = { id, result: await runEngine({ ...input, images }) };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    answer = { id, error: { name, message } };
  }
  parentPort?.postMessage(answer);
});
