// Checks the untrusted content of a canonical request before routing: inline images must be real,
// intact images of bounded pixel count (the sniffed type replaces a wrong declared one), client URIs
// must not point inside the gateway's network, and prompt text is bounded.
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { imageMimeFromBytes } from '../canonical/sniff-mime.js';
import { imageDataLength, imageDataSlice } from '../canonical/skip-image-strings.js';
import type { Blob, GenerateContentRequest, Part } from '../canonical/types.js';
import { isPrivateAddress } from '../http/fetch-image.js';
import { isTruncatedImage, readImageDimensions } from './image-header.js';
import { maxInputPixels } from './limits.js';

export interface RequestInspectionLimits {
  maxInputPixels: number;
  /** Characters of text across all parts of the request. */
  maxPromptCharacters: number;
}

export const defaultInspectionLimits: RequestInspectionLimits = {
  maxInputPixels,
  maxPromptCharacters: 1_000_000,
};

const base64Alphabet = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** Base64 characters decoded for the header checks: 64 KiB of image bytes hold any format's header. */
const headCharacters = 87_384;
const tailCharacters = 2048;

/**
 * The bytes the checks need without decoding a multi-megabyte image: the head (type, dimensions)
 * and the tail (end marker). Whole images up to the head size are decoded as they are.
 */
function headAndTail(blob: Blob): { head: Buffer; tail: Buffer } {
  const length = imageDataLength(blob);
  if (length <= headCharacters + tailCharacters) {
    const whole = Buffer.from(imageDataSlice(blob, 0), 'base64');
    return { head: whole, tail: whole };
  }
  // The tail slice starts on a 4-character boundary so it decodes to the file's last bytes.
  const tailStart = length - tailCharacters - ((length - tailCharacters) % 4);
  return {
    head: Buffer.from(imageDataSlice(blob, 0, headCharacters), 'base64'),
    tail: Buffer.from(imageDataSlice(blob, tailStart), 'base64'),
  };
}
/** Host names that always mean "this machine" or a cloud metadata service. */
const internalHostNames = /(^|\.)(localhost|localdomain|internal|local)$/i;
/** Schemes an upstream may legitimately fetch: web URLs and Google Cloud Storage. */
const allowedUriSchemes = new Set(['https:', 'gs:']);

/** Returns true when it rewrote the declared mime type. */
function inspectInlineImage(part: Part, param: string, limits: RequestInspectionLimits): boolean {
  const blob = part.inlineData;
  if (!blob || imageDataLength(blob) === 0) return false;
  // The alphabet is checked at both ends only, so a 10 MB image costs microseconds; corruption in
  // the middle fails where the bytes are decoded (the engine, or the upstream's own 400). A string
  // still undecoded (skip-image-strings.ts) stays undecoded: only its edges are read.
  const length = imageDataLength(blob);
  const edges =
    length > 8192
      ? `${imageDataSlice(blob, 0, 4096)}${imageDataSlice(blob, -4096)}`
      : imageDataSlice(blob, 0);
  if (!base64Alphabet.test(edges)) {
    throw errorCatalogue.INVALID_VALUE(
      `${param}.data is not valid base64; send the image bytes base64-encoded.`,
      `${param}.data`,
    );
  }
  const { head, tail } = headAndTail(blob);
  const sniffed = imageMimeFromBytes(head);
  if (!sniffed) {
    const declared = typeof blob.mimeType === 'string' ? ` (declared ${blob.mimeType.slice(0, 60)})` : '';
    throw errorCatalogue.INVALID_IMAGE_FORMAT(
      `${param}${declared} is not a recognised image; send PNG, JPEG, WEBP, GIF, AVIF, HEIC or TIFF bytes.`,
      `${param}.data`,
    );
  }
  // The bytes decide the type: a wrong declaration would make upstreams mis-decode or refuse.
  const rewritten = blob.mimeType !== sniffed;
  if (rewritten) blob.mimeType = sniffed;
  if (isTruncatedImage(tail, sniffed)) {
    throw errorCatalogue.INVALID_IMAGE_FORMAT(
      `${param} is a truncated ${sniffed} (its end marker is missing); send the complete file.`,
      `${param}.data`,
    );
  }
  const dimensions = readImageDimensions(head, sniffed);
  if (dimensions && (dimensions.width === 0 || dimensions.height === 0)) {
    throw errorCatalogue.INVALID_VALUE(
      `${param} declares an empty ${dimensions.width}x${dimensions.height} image.`,
      `${param}.data`,
    );
  }
  if (dimensions && dimensions.width * dimensions.height > limits.maxInputPixels) {
    throw errorCatalogue.IMAGE_TOO_LARGE(
      `${param} is ${dimensions.width}x${dimensions.height} pixels, more than the ${limits.maxInputPixels}-pixel limit; downscale it first.`,
      `${param}.data`,
    );
  }
  return rewritten;
}

/** Refuses URIs an upstream or the gateway should never be asked to fetch for a client. */
export function checkClientUri(uri: unknown, param: string): void {
  let url: URL;
  try {
    url = new URL(String(uri));
  } catch {
    throw errorCatalogue.INVALID_IMAGE_URL(`${param} is not a valid URI.`, param);
  }
  if (!allowedUriSchemes.has(url.protocol)) {
    throw errorCatalogue.INVALID_IMAGE_URL(
      `${param} must be an https:// (or gs://) URI, not ${url.protocol}; or send the image inline as base64.`,
      param,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'https:' && (internalHostNames.test(host) || isPrivateAddress(host))) {
    throw errorCatalogue.INVALID_IMAGE_URL(
      `${param} points to a private, loopback or internal address (${host}); it is not fetched.`,
      param,
    );
  }
}

/**
 * Throws a 400 naming the first bad part; may rewrite a wrong declared `mimeType` to the sniffed
 * one, and then returns true (the request no longer equals the bytes the client sent).
 */
export function inspectRequest(
  request: GenerateContentRequest,
  limits: RequestInspectionLimits = defaultInspectionLimits,
): boolean {
  let promptCharacters = 0;
  let rewritten = false;
  const contents = [...(request.contents ?? [])];
  contents.forEach((content, contentIndex) => {
    (content?.parts ?? []).forEach((part, partIndex) => {
      if (part === null || typeof part !== 'object') return;
      const param = `contents[${contentIndex}].parts[${partIndex}]`;
      if (typeof part.text === 'string') promptCharacters += part.text.length;
      if (part.inlineData && inspectInlineImage(part, `${param}.inlineData`, limits)) rewritten = true;
      if (part.fileData) checkClientUri(part.fileData.fileUri, `${param}.fileData.fileUri`);
    });
  });
  for (const part of request.systemInstruction?.parts ?? []) {
    if (typeof part?.text === 'string') promptCharacters += part.text.length;
  }
  if (promptCharacters > limits.maxPromptCharacters) {
    throw errorCatalogue.PROMPT_TOO_LONG(
      `The request's text is ${promptCharacters} characters, more than the ${limits.maxPromptCharacters}-character limit; shorten the prompt.`,
      'contents',
    );
  }
  return rewritten;
}
