import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSkippingImageStrings } from '../../src/canonical/skip-image-strings.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../src/canonical/types.js';
import {
  inputImagesOf,
  returnedInputImage,
  sameImageBytes,
  startsLikeInputImage,
} from '../../src/routing/unedited-answer.js';

const image = randomBytes(200_000);
const other = Buffer.from(image);
other[150_000] ^= 1; // same length, one bit apart, far past the first slice

function edit(data: string): GenerateContentRequest {
  return {
    contents: [
      { role: 'user', parts: [{ text: 'make it blue' }, { inlineData: { mimeType: 'image/png', data } }] },
    ],
  };
}

function answer(data: string, thought = false): GenerateContentResponse {
  return {
    candidates: [
      { content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data }, thought }] } },
    ],
  };
}

describe('telling an unedited answer from an edit', () => {
  it('finds the input image handed back byte for byte', () => {
    const inputs = inputImagesOf(edit(image.toString('base64')));
    expect(returnedInputImage(answer(image.toString('base64')), inputs)).toBeDefined();
  });

  it('does not mistake an image of the same length that differs in one bit', () => {
    const inputs = inputImagesOf(edit(image.toString('base64')));
    expect(returnedInputImage(answer(other.toString('base64')), inputs)).toBeUndefined();
  });

  it('sees the same bytes through URL-safe base64 and missing padding', () => {
    const bytes = randomBytes(1000); // 1000 bytes: base64 ends with one "="
    const standard = { mimeType: 'image/png', data: bytes.toString('base64') };
    const urlSafe = { mimeType: 'image/png', data: bytes.toString('base64url') };
    expect(standard.data.endsWith('=')).toBe(true);
    expect(sameImageBytes(standard, urlSafe)).toBe(true);
  });

  it('compares images still attached lazily from the JSON bytes they arrived in', () => {
    const request = parseSkippingImageStrings(Buffer.from(JSON.stringify(edit(image.toString('base64')))));
    const response = parseSkippingImageStrings(Buffer.from(JSON.stringify(answer(image.toString('base64')))));
    const inputs = inputImagesOf(request as GenerateContentRequest);
    expect(inputs).toHaveLength(1);
    expect(returnedInputImage(response as GenerateContentResponse, inputs)).toBeDefined();
  });

  it('leaves thought images and the model’s own earlier images out', () => {
    const data = image.toString('base64');
    const request: GenerateContentRequest = {
      contents: [
        { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data } }] },
        { role: 'user', parts: [{ text: 'show me the first one again' }] },
      ],
    };
    expect(inputImagesOf(request)).toHaveLength(0);
    expect(returnedInputImage(answer(data, true), inputImagesOf(edit(data)))).toBeUndefined();
  });

  it('says whether the head of an arriving image starts like an input image', () => {
    const inputs = inputImagesOf(edit(image.toString('base64')));
    const head = Buffer.from(image.toString('base64').slice(0, 70_000), 'latin1');
    expect(startsLikeInputImage(head, inputs)).toBe(true);
    expect(startsLikeInputImage(Buffer.from(randomBytes(60_000).toString('base64'), 'latin1'), inputs)).toBe(
      false,
    );
  });
});
