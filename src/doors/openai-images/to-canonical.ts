// OpenAI `images/generations` and `images/edits` → one canonical Gemini request plus `n` (the
// gateway makes n parallel upstream calls) and the output options the reply must honour.
import { encodedImageBlob, imageDataSlice } from '../../canonical/skip-image-strings.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { maskInstruction, type OpenAiImageOptions } from '../../canonical/openai-image-options.js';
import type { GenerateContentRequest, Part } from '../../canonical/types.js';
import type {
  ImagesBackground,
  ImagesEditsBody,
  ImagesGenerationsBody,
  ImagesOutputFormat,
  ImagesResponseFormat,
} from './schema.js';
import {
  type CatalogLikeCapabilities,
  imageConfigForOpenAiSize,
  type OpenAiQuality,
} from '../../canonical/openai-size-mapping.js';
import { imageMimeFromBytes } from '../../canonical/sniff-mime.js';
import { isBase64Blob } from '../gemini/normalize-request.js';
import {
  type LazyDataUrl,
  type LazyDataUrls,
  decodeDataUrl,
  lazyDataUrlBlob,
} from '../../canonical/data-urls.js';

/**
 * An input image as bytes (multipart, a short data: URL), as the unread base64 of a large data URL
 * in the request body, or as an https URL the gateway fetches later.
 */
export type InputImage =
  | { data: Buffer; filename?: string; declaredMime?: string }
  | { lazy: LazyDataUrl }
  | { url: string; declaredMime?: string };

export interface ImagesOutputOptions {
  format: ImagesOutputFormat;
  /** 0..100, for jpeg/webp transcoding; undefined = encoder default. */
  compression?: number;
  responseFormat: ImagesResponseFormat;
  background: ImagesBackground;
  quality: OpenAiQuality;
  /** As requested: `auto` or `WxH`. */
  size: string;
  /** The imageSize sent upstream, for reporting an `auto` quality. */
  imageSize?: string;
}

export interface ImagesCanonicalRequest {
  request: GenerateContentRequest;
  n: number;
  output: ImagesOutputOptions;
}

/**
 * The JSON edit form's `images[]`/`mask` → input images: https kept as URLs, a stand-in of
 * `lazyDataUrls` (standInForEditDataUrls) kept as its unread base64, other data: URLs decoded.
 */
export function jsonEditImagesToInputs(
  body: ImagesEditsBody,
  lazyDataUrls: LazyDataUrls = new Map(),
): { images: InputImage[]; mask?: InputImage } {
  const convert = (reference: NonNullable<ImagesEditsBody['mask']>, param: string): InputImage => {
    if ('file_id' in reference) {
      throw errorCatalogue.UNSUPPORTED_VALUE(
        `File ids are not supported by this gateway; send '${param}' as {"image_url": "data:image/png;base64,…"} or an https URL.`,
        `${param}.file_id`,
      );
    }
    const url = reference.image_url;
    if (/^https?:\/\//i.test(url)) return { url };
    const lazy = lazyDataUrls.get(url);
    if (lazy) return { lazy };
    const decoded = decodeDataUrl(url);
    if (!decoded) {
      throw errorCatalogue.INVALID_VALUE(
        `'${param}.image_url' must be an https URL or a base64 data URL (data:image/png;base64,…).`,
        `${param}.image_url`,
      );
    }
    return { data: decoded.data, declaredMime: decoded.mimeType };
  };
  const images = (body.images ?? []).map((reference, index) => convert(reference, `images[${index}]`));
  return body.mask ? { images, mask: convert(body.mask, 'mask') } : { images };
}

function imagePart(image: InputImage, param: string): Part {
  if ('url' in image) {
    return {
      fileData: image.declaredMime
        ? { fileUri: image.url, mimeType: image.declaredMime }
        : { fileUri: image.url },
    };
  }
  if ('lazy' in image) return lazyImagePart(image.lazy, param);
  const mimeType = imageMimeFromBytes(image.data);
  if (!mimeType) throw notAnImage(param, image.declaredMime);
  return { inlineData: encodedImageBlob(mimeType, image.data) };
}

/** Enough base64 for every signature imageMimeFromBytes knows (72 bytes). */
const signatureBase64Length = 96;

/**
 * A data URL's unread base64 as an inline image: typed from its decoded first bytes, as an upload
 * is, and sent as the client's own bytes when it is plain base64 (else decoded and encoded again).
 */
function lazyImagePart(lazy: LazyDataUrl, param: string): Part {
  const blob = lazyDataUrlBlob(lazy);
  const mimeType = imageMimeFromBytes(Buffer.from(imageDataSlice(blob, 0, signatureBase64Length), 'base64'));
  if (!mimeType) throw notAnImage(param, lazy.mimeType);
  if (!isBase64Blob(blob))
    return { inlineData: encodedImageBlob(mimeType, Buffer.from(blob.data, 'base64')) };
  blob.mimeType = mimeType;
  return { inlineData: blob };
}

function notAnImage(param: string, declaredMime: string | undefined) {
  const declared = declaredMime ? ` (declared ${declaredMime})` : '';
  return errorCatalogue.INVALID_IMAGE_FORMAT(
    `The file in '${param}'${declared} is not a recognised image (PNG, JPEG, WEBP, GIF…).`,
    param,
  );
}

export function imagesRequestToCanonical(
  body: ImagesGenerationsBody | ImagesEditsBody,
  inputImages: readonly InputImage[],
  mask: InputImage | undefined,
  model: CatalogLikeCapabilities,
): ImagesCanonicalRequest {
  if (mask && inputImages.length === 0) {
    throw errorCatalogue.INVALID_VALUE(`A 'mask' needs an image to apply to; send 'image' too.`, 'mask');
  }
  if (body.background === 'transparent' && body.output_format === 'jpeg') {
    throw errorCatalogue.INVALID_VALUE(
      `'background: transparent' needs output_format 'png' or 'webp'; jpeg has no alpha channel.`,
      'background',
    );
  }
  const parts: Part[] = [{ text: body.prompt }];
  inputImages.forEach((image, index) => {
    parts.push(imagePart(image, inputImages.length === 1 ? 'image' : `image[${index}]`));
  });
  if (mask) parts.push({ text: maskInstruction }, imagePart(mask, 'mask'));

  const size = body.size ?? 'auto';
  const quality: OpenAiQuality = body.quality ?? 'auto';
  const imageConfig = imageConfigForOpenAiSize(size, quality, model);
  const request: GenerateContentRequest = {
    contents: [{ role: 'user', parts }],
    generationConfig: {
      responseModalities: ['IMAGE'],
      ...(Object.keys(imageConfig).length > 0 ? { imageConfig } : {}),
    },
  };
  const output: ImagesOutputOptions = {
    format: body.output_format ?? 'png',
    responseFormat: body.response_format ?? 'b64_json',
    background: body.background ?? 'auto',
    quality,
    size,
  };
  if (body.output_compression !== undefined) output.compression = body.output_compression;
  if (imageConfig.imageSize) output.imageSize = imageConfig.imageSize;
  return { request, n: body.n ?? 1, output };
}

/** Fields only a gpt-image upstream understands; they travel with the request (never to Gemini upstreams). */
export function openAiImageOptionsFor(body: ImagesGenerationsBody | ImagesEditsBody): OpenAiImageOptions {
  return {
    size: body.size === 'auto' ? undefined : body.size,
    // dall-e's quality names mean medium and high to gpt-image models.
    quality: body.quality === 'standard' ? 'medium' : body.quality === 'hd' ? 'high' : body.quality,
    background: body.background,
    output_format: body.output_format,
    output_compression: body.output_compression,
    moderation: body.moderation,
    input_fidelity: typeof body.input_fidelity === 'string' ? body.input_fidelity : undefined,
    partial_images: body.stream === true ? body.partial_images : undefined,
    user: body.user,
  };
}
