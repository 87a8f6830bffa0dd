// Canonical responses (one per upstream call) → the OpenAI Images reply, and the
// `image_generation.*` / `image_edit.*` stream events (WIRE §9).
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { imageUrlOf, withImageField } from '../../canonical/json-with-images.js';
import type { GenerateContentResponse } from '../../canonical/types.js';
import { isSafetyReason } from '../openai-chat/map-finish-reason.js';
import type { ImagesBackground, ImagesOutputFormat } from './schema.js';
import { reportedQuality } from '../../canonical/openai-size-mapping.js';
import type { ImagesOutputOptions } from './to-canonical.js';
import { type EncodedImage, encodedImageOf, transcodeImage } from './transcode.js';
import { type ImagesUsage, imagesUsageFromMetadata, sumImagesUsage } from './usage.js';

export interface GeneratedImage extends EncodedImage {
  revisedPrompt?: string;
}

export interface ImagesResponseBody {
  created: number;
  background: Exclude<ImagesBackground, 'auto'>;
  output_format: ImagesOutputFormat;
  quality: 'low' | 'medium' | 'high';
  size: string;
  data: { b64_json?: string; url?: string; revised_prompt?: string }[];
  usage: ImagesUsage;
}

/** Final (non-thought) images of every response, in order, each with its call's text as revised prompt. */
export function collectGeneratedImages(responses: readonly GenerateContentResponse[]): GeneratedImage[] {
  const images: GeneratedImage[] = [];
  for (const response of responses) {
    for (const candidate of response.candidates ?? []) {
      const parts = (candidate.content?.parts ?? []).filter((part) => part.thought !== true);
      const text = parts
        .map((part) => part.text ?? '')
        .join('')
        .trim();
      for (const part of parts) {
        if (!part.inlineData?.mimeType.startsWith('image/')) continue;
        const image: GeneratedImage = encodedImageOf(part.inlineData);
        if (text) image.revisedPrompt = text;
        images.push(image);
      }
    }
  }
  return images;
}

/** Interim (thought) images of one answer: what a stream sends as partial images. */
export function collectInterimImages(response: GenerateContentResponse): GeneratedImage[] {
  return (response.candidates ?? []).flatMap((candidate) =>
    (candidate.content?.parts ?? [])
      .filter((part) => part.thought === true && part.inlineData?.mimeType.startsWith('image/'))
      .map((part) => ({ mimeType: part.inlineData!.mimeType, data: part.inlineData!.data })),
  );
}

/** The non-thought text of every answer, joined (what a text-only answer said instead of an image). */
function collectAnswerText(responses: readonly GenerateContentResponse[]): string {
  return responses
    .flatMap((response) => response.candidates ?? [])
    .flatMap((candidate) => candidate.content?.parts ?? [])
    .filter((part) => part.thought !== true && typeof part.text === 'string')
    .map((part) => part.text)
    .join(' ')
    .trim();
}

/** Why no image came back: a policy block (400 moderation_blocked) or an empty answer (502 no_image). */
export function noImageError(responses: readonly GenerateContentResponse[]): GatewayError {
  const reasons = responses.flatMap((response) => [
    response.promptFeedback?.blockReason,
    ...(response.candidates ?? []).map((candidate) => candidate.finishReason),
  ]);
  const blocked = reasons.find((reason) => isSafetyReason(reason));
  if (blocked) {
    return errorCatalogue.MODERATION_BLOCKED(
      `Your request was rejected by the safety system (${blocked}). Rephrase the prompt or use a different input image.`,
    );
  }
  const reason = reasons.find((value) => value !== undefined);
  const said = collectAnswerText(responses);
  const quoted = said ? ` It said: "${said.length > 300 ? `${said.slice(0, 300)}…` : said}".` : '';
  return errorCatalogue.NO_IMAGE(
    `The model answered without an image${reason ? ` (finishReason ${reason})` : ''}.${quoted} Retry, or make the prompt ask for an image explicitly.`,
  );
}

function reportedSize(images: readonly GeneratedImage[], requested: string): string {
  const first = images[0];
  if (first?.width && first.height) return `${first.width}x${first.height}`;
  return requested;
}

/** Pure: images already in the requested format → the reply body. */
export function buildImagesResponse(
  images: readonly GeneratedImage[],
  responses: readonly GenerateContentResponse[],
  output: ImagesOutputOptions,
  created: number,
): ImagesResponseBody {
  return {
    created,
    background: output.background === 'transparent' ? 'transparent' : 'opaque',
    output_format: output.format,
    quality: reportedQuality(output.quality, output.imageSize),
    size: reportedSize(images, output.size),
    // The base64 is read from the upstream answer's bytes when the reply is written (json-with-images.ts).
    data: images.map((image) => {
      const item: ImagesResponseBody['data'][number] =
        output.responseFormat === 'url'
          ? imageUrlOf(`data:${image.mimeType};base64,`, image)
          : withImageField({}, 'b64_json', '', image);
      if (image.revisedPrompt) item.revised_prompt = image.revisedPrompt;
      return item;
    }),
    usage: sumImagesUsage(responses.map((response) => imagesUsageFromMetadata(response.usageMetadata))),
  };
}

/** Collects, transcodes (only where the type differs) and builds; throws when no image came back. */
export async function imagesResponseFromCanonical(
  responses: readonly GenerateContentResponse[],
  output: ImagesOutputOptions,
  created: number,
): Promise<ImagesResponseBody> {
  const collected = collectGeneratedImages(responses);
  if (collected.length === 0) throw noImageError(responses);
  const images = await Promise.all(
    collected.map(async (image) => {
      const encoded: GeneratedImage = await transcodeImage(image, output.format, output.compression);
      if (image.revisedPrompt) encoded.revisedPrompt = image.revisedPrompt;
      return encoded;
    }),
  );
  return buildImagesResponse(images, responses, output, created);
}

export type ImagesStreamKind = 'generation' | 'edit';

interface StreamEventFields {
  b64_json: string;
  created_at: number;
  size: string;
  quality: 'low' | 'medium' | 'high' | 'auto';
  background: ImagesBackground;
  output_format: ImagesOutputFormat;
}

export interface ImagesPartialImageEvent extends StreamEventFields {
  type: 'image_generation.partial_image' | 'image_edit.partial_image';
  partial_image_index: number;
}

export interface ImagesCompletedEvent extends StreamEventFields {
  type: 'image_generation.completed' | 'image_edit.completed';
  usage: ImagesUsage;
}

const eventPrefix: Readonly<Record<ImagesStreamKind, 'image_generation' | 'image_edit'>> = {
  generation: 'image_generation',
  edit: 'image_edit',
};

function eventFields(b64Json: string, createdAt: number, output: ImagesOutputOptions): StreamEventFields {
  const quality = output.quality === 'auto' ? 'auto' : reportedQuality(output.quality, output.imageSize);
  return {
    b64_json: b64Json,
    created_at: createdAt,
    size: output.size,
    quality,
    background: output.background,
    output_format: output.format,
  };
}

export function partialImageEvent(options: {
  kind: ImagesStreamKind;
  b64Json: string;
  partialImageIndex: number;
  createdAt: number;
  output: ImagesOutputOptions;
}): ImagesPartialImageEvent {
  const fields = eventFields(options.b64Json, options.createdAt, options.output);
  return {
    type: `${eventPrefix[options.kind]}.partial_image`,
    ...fields,
    partial_image_index: options.partialImageIndex,
  };
}

export function completedEvent(options: {
  kind: ImagesStreamKind;
  b64Json: string;
  createdAt: number;
  output: ImagesOutputOptions;
  usage: ImagesUsage;
}): ImagesCompletedEvent {
  const fields = eventFields(options.b64Json, options.createdAt, options.output);
  return { type: `${eventPrefix[options.kind]}.completed`, ...fields, usage: options.usage };
}

/** One SSE frame: `event: <type>` + `data: <json>` (the whole image on one line). */
export function formatImagesStreamEvent(event: ImagesPartialImageEvent | ImagesCompletedEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
