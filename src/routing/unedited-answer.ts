// Tells whether an answer to an edit request hands back one of the request's own input images,
// byte for byte: a route that does so made no edit, however healthy its HTTP status looks. Pure.
// Images stay undecoded: base64 lengths are compared first, then the text a slice at a time.
import { imageDataLength, imageDataSlice } from '../canonical/skip-image-strings.js';
import type { Blob, GenerateContentRequest, GenerateContentResponse } from '../canonical/types.js';
import type { UpstreamRelay } from '../providers/types.js';

/** Characters compared at a time: small strings, one pass over each image at most. */
const sliceCharacters = 64 * 1024;

/** The inline images the caller sent (not the model's own earlier turns: those may be asked back). */
export function inputImagesOf(request: GenerateContentRequest): Blob[] {
  const images: Blob[] = [];
  for (const content of request.contents ?? []) {
    if (content.role === 'model') continue;
    for (const part of content.parts ?? []) {
      if (part.inlineData && imageDataLength(part.inlineData) > 0) images.push(part.inlineData);
    }
  }
  return images;
}

/** The answer's final images (thought images are drafts, never the answer). */
function answerImagesOf(response: GenerateContentResponse): Blob[] {
  const images: Blob[] = [];
  for (const candidate of response.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (part.inlineData && !part.thought && imageDataLength(part.inlineData) > 0)
        images.push(part.inlineData);
    }
  }
  return images;
}

/** Base64 length without its `=` padding, so padded and unpadded encodings of one image compare equal. */
function unpaddedLength(blob: Blob): number {
  const length = imageDataLength(blob);
  const tail = imageDataSlice(blob, -2);
  return length - (tail.endsWith('==') ? 2 : tail.endsWith('=') ? 1 : 0);
}

/** The standard base64 alphabet for a URL-safe slice (both encode the same bytes). */
function standardAlphabet(text: string): string {
  return text.includes('-') || text.includes('_') ? text.replaceAll('-', '+').replaceAll('_', '/') : text;
}

/** Whether two base64 texts agree on their first `length` characters, read a slice at a time. */
function sameBase64(
  length: number,
  left: (from: number, to: number) => string,
  right: (from: number, to: number) => string,
): boolean {
  for (let from = 0; from < length; from += sliceCharacters) {
    const to = Math.min(length, from + sliceCharacters);
    const leftSlice = left(from, to);
    const rightSlice = right(from, to);
    if (leftSlice !== rightSlice && standardAlphabet(leftSlice) !== standardAlphabet(rightSlice))
      return false;
  }
  return true;
}

export function sameImageBytes(left: Blob, right: Blob): boolean {
  const length = unpaddedLength(left);
  if (length !== unpaddedLength(right)) return false;
  return sameBase64(
    length,
    (from, to) => imageDataSlice(left, from, to),
    (from, to) => imageDataSlice(right, from, to),
  );
}

/** The first answer image that is one of `inputs` unchanged, or undefined when every image is new. */
export function returnedInputImage(
  response: GenerateContentResponse,
  inputs: readonly Blob[],
): Blob | undefined {
  if (inputs.length === 0) return undefined;
  for (const image of answerImagesOf(response)) {
    if (inputs.some((input) => sameImageBytes(image, input))) return image;
  }
  return undefined;
}

/** Whether base64 text `head` (the start of an answer image still arriving) starts one of `inputs`. */
export function startsLikeInputImage(head: Buffer, inputs: readonly Blob[]): boolean {
  return inputs.some((input) => {
    const length = Math.min(head.length, imageDataLength(input));
    return (
      length > 0 &&
      sameBase64(
        length,
        (from, to) => head.toString('latin1', from, to),
        (from, to) => imageDataSlice(input, from, to),
      )
    );
  });
}

/** A relay that will not begin on an answer image starting like an input image: that one is read whole and judged. */
export function decliningInputImages(relay: UpstreamRelay, inputImages: readonly Blob[]): UpstreamRelay {
  return {
    get started() {
      return relay.started;
    },
    get sentBytes() {
      return relay.sentBytes;
    },
    begin: (channel, contentLength) => relay.begin(channel, contentLength),
    sendUpTo: (answer, end) => relay.sendUpTo(answer, end),
    declines: (imageHead) => startsLikeInputImage(imageHead, inputImages),
  };
}
