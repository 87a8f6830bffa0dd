// Canonical request → a gpt-image upstream call: `/v1/images/generations` JSON without input
// images, `/v1/images/edits` multipart (`image[]`, `mask`) with them, or the JSON edit form for URLs.
import type { OpenAiImageOptions } from '../../canonical/openai-image-options.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { Content, GenerateContentRequest, Part } from '../../canonical/types.js';
import { maskInstruction, maxImagesPerEdit } from '../../canonical/openai-image-options.js';
import { openAiQualityForImageSize, openAiSizeForAspectRatio } from '../../canonical/openai-size-mapping.js';

/** OpenAI-only fields a client sent on an OpenAI door; they override what the canonical request implies. */
/** OpenAI-only fields sent as they are (see src/canonical/openai-image-options.ts). */
export type OpenAiImagesPassthrough = OpenAiImageOptions;

export interface UpstreamFile {
  field: 'image[]' | 'mask';
  data: Buffer;
  mimeType: string;
  filename: string;
}

export type OpenAiImagesUpstreamRequest =
  | { path: '/v1/images/generations'; kind: 'json'; body: Record<string, unknown> }
  | { path: '/v1/images/edits'; kind: 'json'; body: Record<string, unknown> }
  | { path: '/v1/images/edits'; kind: 'multipart'; fields: [string, string][]; files: UpstreamFile[] };

export interface ConvertRequestOptions {
  /** The upstream model name (after the channel's modelMap). */
  model: string;
  stream?: boolean;
  passthrough?: OpenAiImagesPassthrough;
}

const extensionForMime: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

const formatForMime: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};

interface CollectedInput {
  prompt: string;
  images: Part[];
  mask?: Part;
}

function isImagePart(part: Part): boolean {
  return part.thought !== true && (part.inlineData !== undefined || part.fileData !== undefined);
}

/** The index of the last model turn that holds an image (an earlier answer), or -1. */
function lastAnswerImageTurn(contents: readonly Content[]): number {
  for (let index = contents.length - 1; index >= 0; index -= 1) {
    const content = contents[index];
    if (content.role === 'model' && (content.parts ?? []).some(isImagePart)) return index;
  }
  return -1;
}

/**
 * The system instruction, the door's mask, and the user turns' text and images from the most recent
 * answer image on: a continued conversation asks for the next edit of that image (the instructions
 * before it are already in it). Without an answer image, every turn counts.
 */
function collectInput(request: GenerateContentRequest): CollectedInput {
  const texts: string[] = [];
  const images: Part[] = [];
  let mask: Part | undefined;
  const systemText = (request.systemInstruction?.parts ?? []).map((part) => part.text ?? '').join('');
  if (systemText.trim()) texts.push(systemText.trim());
  const firstImageTurn = Math.max(0, lastAnswerImageTurn(request.contents));
  request.contents.forEach((content: Content, contentIndex) => {
    const parts = content.parts ?? [];
    for (let index = 0; index < parts.length; index += 1) {
      const part = parts[index];
      if (part.text === maskInstruction && parts[index + 1] && isImagePart(parts[index + 1])) {
        mask = parts[index + 1];
        index += 1;
      } else if (isImagePart(part)) {
        if (contentIndex >= firstImageTurn) images.push(part);
      } else if (
        part.text &&
        part.thought !== true &&
        content.role !== 'model' &&
        contentIndex >= firstImageTurn
      ) {
        texts.push(part.text);
      }
    }
  });
  return mask ? { prompt: texts.join('\n\n'), images, mask } : { prompt: texts.join('\n\n'), images };
}

/** size/quality/output_format/n implied by the canonical request, then the client's OpenAI fields. */
function optionFields(
  request: GenerateContentRequest,
  options: ConvertRequestOptions,
): Record<string, string | number> {
  const imageConfig = request.generationConfig?.imageConfig;
  const fields: Record<string, string | number> = { model: options.model };
  const candidateCount = request.generationConfig?.candidateCount;
  if (candidateCount !== undefined && candidateCount > 1) fields.n = candidateCount;
  const size = openAiSizeForAspectRatio(imageConfig?.aspectRatio);
  if (size) fields.size = size;
  const quality = imageConfig?.imageSize ? openAiQualityForImageSize[imageConfig.imageSize] : undefined;
  if (quality) fields.quality = quality;
  const outputMimeType =
    typeof imageConfig?.outputMimeType === 'string' ? imageConfig.outputMimeType : undefined;
  if (outputMimeType && formatForMime[outputMimeType]) fields.output_format = formatForMime[outputMimeType];
  for (const [name, value] of Object.entries(options.passthrough ?? {})) {
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

function imageUrlOf(part: Part): string {
  if (part.fileData) return part.fileData.fileUri;
  return `data:${part.inlineData!.mimeType};base64,${part.inlineData!.data}`;
}

function uploadOf(part: Part, field: UpstreamFile['field'], index: number): UpstreamFile {
  const { mimeType, data } = part.inlineData!;
  const name = field === 'mask' ? 'mask' : `image-${index + 1}`;
  return {
    field,
    data: Buffer.from(data, 'base64'),
    mimeType,
    filename: `${name}.${extensionForMime[mimeType] ?? 'png'}`,
  };
}

export function convertRequestToOpenAiImages(
  request: GenerateContentRequest,
  options: ConvertRequestOptions,
): OpenAiImagesUpstreamRequest {
  const input = collectInput(request);
  if (!input.prompt.trim()) {
    throw errorCatalogue.INVALID_VALUE(
      'OpenAI image models need a text prompt; add a text part to the request.',
      'contents',
    );
  }
  if (input.images.length > maxImagesPerEdit) {
    throw errorCatalogue.INVALID_VALUE(
      `OpenAI image models edit at most ${maxImagesPerEdit} images per request; this one has ${input.images.length}.`,
      'contents',
    );
  }
  const fields: Record<string, string | number | boolean> = {
    ...optionFields(request, options),
    prompt: input.prompt,
  };
  if (options.stream) fields.stream = true;
  if (input.images.length === 0) return { path: '/v1/images/generations', kind: 'json', body: fields };

  const usesUrls = [...input.images, ...(input.mask ? [input.mask] : [])].some((part) => part.fileData);
  if (usesUrls) {
    const body: Record<string, unknown> = {
      ...fields,
      images: input.images.map((part) => ({ image_url: imageUrlOf(part) })),
    };
    if (input.mask) body.mask = { image_url: imageUrlOf(input.mask) };
    return { path: '/v1/images/edits', kind: 'json', body };
  }
  const files = input.images.map((part, index) => uploadOf(part, 'image[]', index));
  if (input.mask) files.push(uploadOf(input.mask, 'mask', 0));
  const fieldList = Object.entries(fields).map(([name, value]): [string, string] => [name, String(value)]);
  return { path: '/v1/images/edits', kind: 'multipart', fields: fieldList, files };
}

/** The multipart request as `FormData` (what `fetch`/undici send; the boundary is theirs). */
export function toFormData(request: Extract<OpenAiImagesUpstreamRequest, { kind: 'multipart' }>): FormData {
  const form = new FormData();
  for (const [name, value] of request.fields) form.append(name, value);
  for (const file of request.files) {
    form.append(file.field, new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.filename);
  }
  return form;
}
