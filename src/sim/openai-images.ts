// `/v1/images/generations` and `/v1/images/edits`: the local engine makes the picture; the answer is
// shaped like gpt-image's (WIRE.md §9), whole or as `image_generation.*` / `image_edit.*` events.

import sharp from 'sharp';
import { runEngine } from '../engine/index.js';
import type { ActiveFaults } from './faults.js';
import type { HostedFiles } from './hosted-files.js';
import { send, sendTruncated, writeChunk } from './http-io.js';
import { gptImageSizeRatios, gptImageTokens, textTokens } from './model-families.js';
import type { ImageParams } from './openai-image-params.js';
import { imageGenerationFailed, type OpenAiError } from './openai-errors.js';
import { openAiSseEvent } from './wire-format.js';
import { padPng } from './png-padding.js';
import type { ServerResponse } from 'node:http';

/** Prompt tokens gpt-image reports per input image in this simulator. */
export const gptInputImageTokens = 388;
const mimeTypes = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

interface ImageAnswer {
  common: { background: string; output_format: string; quality: string; size: string };
  images: Buffer[];
  usage: Record<string, unknown>;
  created: number;
}

/** `compression` (0–100, the API's `output_compression`) sets jpeg and webp quality. */
export function encode(
  png: Buffer,
  format: ImageParams['outputFormat'],
  compression?: number,
): Promise<Buffer> {
  if (format === 'png') return Promise.resolve(png);
  const options = compression === undefined ? {} : { quality: Math.max(1, compression) };
  return format === 'jpeg' ? sharp(png).jpeg(options).toBuffer() : sharp(png).webp(options).toBuffer();
}

export function resolvedSize(requested: string, width: number, height: number): string {
  if (requested !== 'auto') return requested;
  if (width > height) return '1536x1024';
  return width < height ? '1024x1536' : '1024x1024';
}

/** gpt-image answers at exactly the named size; the engine works from a long side, so resize. */
export async function exactSize(png: Buffer, size: string): Promise<Buffer> {
  const [width, height] = size.split('x').map(Number);
  const metadata = await sharp(png).metadata();
  if (metadata.width === width && metadata.height === height) return png;
  return sharp(png).resize(width, height, { fit: 'cover' }).png().toBuffer();
}

/** Runs the engine and prices the result; an engine refusal becomes OpenAI's user error. */
export async function answerImages(
  params: ImageParams,
  faults: ActiveFaults,
  imageBytes?: number,
): Promise<ImageAnswer | OpenAiError> {
  const result = await runEngine({
    instruction: params.prompt,
    images: params.images,
    aspectRatio: gptImageSizeRatios[params.size],
    imageSize: '1K',
  });
  if (result.kind === 'no_image') return imageGenerationFailed(result.reason);
  const size = resolvedSize(params.size, result.width, result.height);
  const quality = params.quality === 'auto' ? 'high' : params.quality;
  const source =
    faults.has('unedited') && params.images[0] ? params.images[0].data : await exactSize(result.image, size);
  const encoded = await encode(source, params.outputFormat);
  const image = imageBytes && params.outputFormat === 'png' ? padPng(encoded, imageBytes) : encoded;
  const images = faults.has('no-image') ? [] : Array.from({ length: params.n }, () => image);
  const perImage = Math.round((gptImageTokens[size]?.[quality] ?? 4160) * faults.usageDriftFactor);
  const textTokenCount = textTokens(params.prompt);
  const imageTokenCount = params.images.length * gptInputImageTokens;
  const outputTokens = perImage * images.length;
  return {
    created: Math.floor(Date.now() / 1000),
    common: {
      background: params.background === 'transparent' ? 'transparent' : 'opaque',
      output_format: params.outputFormat,
      quality,
      size,
    },
    images,
    usage: {
      input_tokens: textTokenCount + imageTokenCount,
      input_tokens_details: { text_tokens: textTokenCount, image_tokens: imageTokenCount },
      output_tokens: outputTokens,
      total_tokens: textTokenCount + imageTokenCount + outputTokens,
      output_tokens_details: { image_tokens: outputTokens, text_tokens: 0 },
    },
  };
}

/** One `data[]` entry: b64_json normally; a URL for response_format url and the URL-shaped faults. */
function dataEntry(
  image: Buffer,
  params: ImageParams,
  faults: ActiveFaults,
  hostedFiles: HostedFiles,
): Record<string, string> {
  const mimeType = mimeTypes[params.outputFormat];
  if (faults.has('markdown-image')) return { url: `data:${mimeType};base64,${image.toString('base64')}` };
  if (faults.has('url-image') || params.responseFormat === 'url') {
    return { url: hostedFiles.host(image, mimeType) };
  }
  return { b64_json: image.toString('base64') };
}

export const openAiHeaders = { 'openai-version': '2020-10-01', 'openai-processing-ms': '1' };

export function sendImagesJson(
  response: ServerResponse,
  answer: ImageAnswer,
  params: ImageParams,
  faults: ActiveFaults,
  hostedFiles: HostedFiles,
): void {
  const body = JSON.stringify(
    {
      created: answer.created,
      ...answer.common,
      data: answer.images.map((image) => dataEntry(image, params, faults, hostedFiles)),
      usage: answer.usage,
    },
    null,
    2,
  );
  if (faults.has('truncated-stream')) sendTruncated(response, 'application/json', body, openAiHeaders);
  else send(response, 200, 'application/json', body, openAiHeaders);
}

async function blurred(image: Buffer, sigma: number, format: ImageParams['outputFormat']): Promise<Buffer> {
  return encode(await sharp(image).blur(sigma).png().toBuffer(), format);
}

/** Partial frames (progressively sharper), then one completed event per image. */
export async function sendImagesStream(
  response: ServerResponse,
  answer: ImageAnswer,
  params: ImageParams,
  faults: ActiveFaults,
  hostedFiles: HostedFiles,
  prefix: 'image_generation' | 'image_edit',
): Promise<void> {
  const events: string[] = [];
  const createdAt = answer.created;
  for (const image of answer.images) {
    for (let index = 0; index < params.partialImages; index++) {
      const sigma = 24 / 2 ** index;
      const partial = await blurred(image, sigma, params.outputFormat);
      events.push(
        openAiSseEvent(`${prefix}.partial_image`, {
          type: `${prefix}.partial_image`,
          b64_json: partial.toString('base64'),
          created_at: createdAt,
          ...answer.common,
          partial_image_index: index,
        }),
      );
    }
    events.push(
      openAiSseEvent(`${prefix}.completed`, {
        type: `${prefix}.completed`,
        ...dataEntry(image, params, faults, hostedFiles),
        created_at: createdAt,
        ...answer.common,
        usage: answer.usage,
      }),
    );
  }
  response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', ...openAiHeaders });
  if (faults.has('truncated-stream')) {
    const [first = '', second] = events;
    if (second !== undefined) await writeChunk(response, first);
    const cut = second ?? first;
    await writeChunk(response, cut.slice(0, Math.floor(cut.length / 2)));
    response.end();
    return;
  }
  for (const event of events) {
    if (response.destroyed) return;
    await writeChunk(response, event);
  }
  response.end();
}
