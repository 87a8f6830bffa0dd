// Shared helpers for the upstream-sim tests: a sim per test, JSON posts, SSE splitting.
import { afterEach } from 'vitest';
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '../../src/sim/index.js';
import { makeRetestImage } from '../../src/health/retest-template.js';

const running: UpstreamSim[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

export async function useSim(options: UpstreamSimOptions = {}): Promise<UpstreamSim> {
  const sim = await startUpstreamSim(options);
  running.push(sim);
  return sim;
}

export const flashModel = 'gemini-3.1-flash-image';
/** The OpenAI image model of the default list. */
export const gptImageModel = 'gpt-image-2';
export const drawPrompt = 'a red circle on a white background';

export function textRequest(text = drawPrompt, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { contents: [{ role: 'user', parts: [{ text }] }], ...extra };
}

export async function editRequest(): Promise<{ request: Record<string, unknown>; imageBase64: string }> {
  const imageBase64 = (await makeRetestImage()).toString('base64');
  const request = {
    contents: [
      {
        role: 'user',
        parts: [
          { text: 'Edit this image: change the background to blue and keep the main square visible.' },
          { inlineData: { mimeType: 'image/png', data: imageBase64 } },
        ],
      },
    ],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
  };
  return { request, imageBase64 };
}

export function postGemini(
  sim: UpstreamSim,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function generatePath(model = flashModel, method = 'generateContent'): string {
  return `/v1beta/models/${model}:${method}`;
}

/** Splits a Google SSE body on its CRLF frame terminators; asserts nothing is left over. */
export function splitGoogleSse(text: string): unknown[] {
  const frames = text.split('\r\n\r\n');
  const rest = frames.pop();
  if (rest !== '') throw new Error(`leftover bytes after the last frame: ${rest?.slice(0, 80)}`);
  return frames.map((frame) => {
    if (!frame.startsWith('data: ')) throw new Error(`frame without data prefix: ${frame.slice(0, 80)}`);
    return JSON.parse(frame.slice('data: '.length));
  });
}

export interface GeminiResponseShape {
  candidates?: {
    content?: { parts?: Record<string, unknown>[]; role?: string };
    finishReason?: string;
  }[];
  usageMetadata?: Record<string, unknown> & {
    candidatesTokensDetails?: { modality: string; tokenCount: number }[];
  };
  modelVersion?: string;
  responseId?: string;
  error?: { code: number; message: string; status: string; details?: Record<string, unknown>[] };
}

export function partsOf(response: GeminiResponseShape): Record<string, unknown>[] {
  return response.candidates?.[0]?.content?.parts ?? [];
}
