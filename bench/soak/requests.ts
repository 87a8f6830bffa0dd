// Request bodies and headers for each door, and the hostile inputs, as plain data.
import sharp from 'sharp';
import { models } from './upstreams.js';

export interface SoakImages {
  /** A small PNG (base64) for ordinary edits. */
  small: string;
  /** 7000×7000 solid colour: a small file, ~150 MB of pixels once decoded. */
  huge: string;
  /** Noise, so the PNG stays large: a ≥ 1 MiB body that is a real request. */
  large: string;
}

export async function makeImages(): Promise<SoakImages> {
  const small = await sharp({ create: { width: 128, height: 96, channels: 3, background: '#c02020' } })
    .png()
    .toBuffer();
  const huge = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#20a040' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  const side = 640;
  const noise = Buffer.alloc(side * side * 3);
  for (let index = 0; index < noise.length; index += 1) noise[index] = (index * 2654435761) >>> 24;
  const large = await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return { small: small.toString('base64'), huge: huge.toString('base64'), large: large.toString('base64') };
}

export const geminiHeaders = (key: string, requestId?: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-goog-api-key': key,
  ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
});

export const openAiHeaders = (key: string, requestId?: string): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Bearer ${key}`,
  ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
});

export const geminiPath = (model: string, stream = false) =>
  `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;

/** A Gemini edit; `modalities` undefined leaves `responseModalities` out (an image still comes back). */
export function geminiEdit(instruction: string, imageBase64: string, modalities?: string[]): string {
  return JSON.stringify({
    contents: [
      {
        role: 'user',
        parts: [{ text: instruction }, { inlineData: { mimeType: 'image/png', data: imageBase64 } }],
      },
    ],
    ...(modalities === undefined ? {} : { generationConfig: { responseModalities: modalities } }),
  });
}

export function imagesGeneration(model: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model, prompt: 'a red circle on a white background', n: 1, ...extra });
}

/** A chat edit; `modalities` undefined leaves it out (an image model still answers with an image). */
export function chatEdit(imageBase64: string, modalities?: string[], stream = false): string {
  return JSON.stringify({
    model: models.flash,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'grayscale' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${imageBase64}` } },
        ],
      },
    ],
    ...(modalities === undefined ? {} : { modalities }),
    ...(stream ? { stream: true } : {}),
  });
}

/** The engine's instruction parser on a 60,000-character word. */
export const regexBlowupInstruction = `change the background to blue ${'x'.repeat(60_000)}`;

const brackets = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Deeply nested bodies per door: 100 KB of `[`, and a deep nest outside `contents`/`messages`. */
export function nestedBodies(
  imageBase64: string,
): Array<{ path: string; body: string; door: 'gemini' | 'openai' | 'admin' }> {
  const open = '['.repeat(100_000);
  const deep = brackets(20_000);
  return [
    { door: 'gemini', path: geminiPath(models.flash), body: open },
    {
      door: 'gemini',
      path: geminiPath(models.flash),
      body: `{"contents":[{"parts":[{"text":"grayscale"},{"inlineData":{"mimeType":"image/png","data":"${imageBase64}"}}]}],"generationConfig":{"x":${deep}}}`,
    },
    { door: 'openai', path: '/v1/images/generations', body: open },
    {
      door: 'openai',
      path: '/v1/images/generations',
      body: `{"model":"${models.flash}","prompt":"a red circle","user":${deep}}`,
    },
    { door: 'openai', path: '/v1/chat/completions', body: open },
    {
      door: 'openai',
      path: '/v1/chat/completions',
      body: `{"model":"${models.flash}","messages":[{"role":"user","content":"a red circle"}],"metadata":${deep}}`,
    },
    { door: 'admin', path: '/admin/keys', body: open },
    { door: 'admin', path: '/admin/keys', body: `{"name":"nested","models":${deep}}` },
  ];
}
