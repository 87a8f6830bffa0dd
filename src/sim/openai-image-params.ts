// Reads and checks OpenAI Images parameters from a JSON body or multipart fields (where every
// scalar arrives as a string), with OpenAI's messages for bad values.

import type { EngineImage } from '../engine/types.js';
import { gptImageSizeRatios } from './model-families.js';
import { isRecord } from './normalize-request.js';
import { type OpenAiError, invalidValue, missingParameter } from './openai-errors.js';
import type { ParsedBody } from './parsed-body.js';

export interface ImageParams {
  model: string;
  prompt: string;
  n: number;
  size: string;
  quality: string;
  outputFormat: 'png' | 'jpeg' | 'webp';
  background: string;
  responseFormat: 'b64_json' | 'url';
  stream: boolean;
  partialImages: number;
  images: EngineImage[];
}

type Fields = Record<string, unknown>;

function scalar(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

function choice<T extends string>(
  fields: Fields,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T | OpenAiError {
  const value = scalar(fields, name) ?? fallback;
  const match = allowed.find((option) => option === value);
  if (match) return match;
  const listed = allowed.map((option) => `'${option}'`).join(', ');
  return invalidValue(name, `Invalid value: '${value}'. Supported values are: ${listed}.`);
}

function integer(fields: Fields, name: string, minimum: number, maximum: number, fallback: number) {
  const text = scalar(fields, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) {
    return invalidValue(name, `Invalid type for '${name}': expected an integer, but got a string instead.`);
  }
  if (value < minimum || value > maximum) {
    const side =
      value < minimum
        ? `below minimum value. Expected a value >= ${minimum}`
        : `above maximum value. Expected a value <= ${maximum}`;
    return invalidValue(name, `Invalid '${name}': integer ${side}, but got ${value} instead.`);
  }
  return value;
}

function decodeDataUrl(url: string): EngineImage | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1], data: Buffer.from(match[2], 'base64') } : undefined;
}

function jsonImages(fields: Fields): EngineImage[] | OpenAiError {
  const list = fields.images;
  if (!Array.isArray(list)) return [];
  const images: EngineImage[] = [];
  for (const [index, entry] of list.entries()) {
    const url = isRecord(entry) && typeof entry.image_url === 'string' ? entry.image_url : undefined;
    const image = url ? decodeDataUrl(url) : undefined;
    if (!image) {
      return invalidValue(
        `images[${index}]`,
        `Invalid value for 'images[${index}]': the simulator accepts only image_url data URLs (data:image/png;base64,...).`,
      );
    }
    images.push(image);
  }
  return images;
}

function isError(value: unknown): value is OpenAiError {
  return isRecord(value) && 'httpStatus' in value;
}

/**
 * Parses `/v1/images/generations` or `/v1/images/edits` parameters; edits need at least one image.
 * `model` is the listed id the route already checked the call names.
 */
export function readImageParams(body: ParsedBody, edit: boolean, model: string): ImageParams | OpenAiError {
  const fields: Fields = body.fields ?? (isRecord(body.json) ? body.json : {});
  const prompt = scalar(fields, 'prompt');
  if (!prompt) return missingParameter('prompt');
  const n = integer(fields, 'n', 1, 10, 1);
  const sizes = [...Object.keys(gptImageSizeRatios), 'auto'];
  const size = choice(fields, 'size', sizes, 'auto');
  const quality = choice(fields, 'quality', ['low', 'medium', 'high', 'auto'], 'auto');
  const outputFormat = choice(fields, 'output_format', ['png', 'jpeg', 'webp'] as const, 'png');
  const background = choice(fields, 'background', ['transparent', 'opaque', 'auto'], 'auto');
  const responseFormat = choice(fields, 'response_format', ['b64_json', 'url'] as const, 'b64_json');
  const partialImages = integer(fields, 'partial_images', 0, 3, 0);
  const fileImages = body.files
    .filter((file) => file.field === 'image' || file.field === 'image[]')
    .map((file) => ({ mimeType: file.mimeType, data: file.data }));
  const images = body.fields ? fileImages : jsonImages(fields);
  for (const value of [n, size, quality, outputFormat, background, responseFormat, partialImages, images]) {
    if (isError(value)) return value;
  }
  if (edit && (images as EngineImage[]).length === 0) return missingParameter('image');
  return {
    model,
    prompt,
    n: n as number,
    size: size as string,
    quality: quality as string,
    outputFormat: outputFormat as ImageParams['outputFormat'],
    background: background as string,
    responseFormat: responseFormat as ImageParams['responseFormat'],
    stream: scalar(fields, 'stream') === 'true',
    partialImages: partialImages as number,
    images: images as EngineImage[],
  };
}
