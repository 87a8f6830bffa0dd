import { shouldFailOver } from '../../../src/routing/failover-policy.js';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import {
  buildImagesResponse,
  collectGeneratedImages,
  completedEvent,
  formatImagesStreamEvent,
  imagesResponseFromCanonical,
  noImageError,
  partialImageEvent,
} from '../../../src/doors/openai-images/from-canonical.js';
import type { ImagesOutputOptions } from '../../../src/doors/openai-images/to-canonical.js';
import { imagesUsageFromMetadata } from '../../../src/doors/openai-images/usage.js';

interface Fixture {
  twoCalls: {
    output: ImagesOutputOptions;
    created: number;
    responses: GenerateContentResponse[];
    expected: unknown;
  };
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-images-responses.json', import.meta.url), 'utf8'),
);
const { output, created, responses, expected } = fixture.twoCalls;
const pngBase64 = (responses[1].candidates![0].content!.parts![0].inlineData!.data as string) ?? '';

describe('canonical responses → OpenAI Images reply', () => {
  it('builds one data item per upstream call, sums usage and keeps the text as revised_prompt', async () => {
    expect(await imagesResponseFromCanonical(responses, output, created)).toEqual(expected);
  });

  it('skips thought images', () => {
    expect(collectGeneratedImages(responses).map((image) => image.data)).toEqual([pngBase64, pngBase64]);
  });

  it('maps usage: prompt IMAGE details are image tokens, thoughts and undetailed candidates are output text', () => {
    expect(imagesUsageFromMetadata(responses[0].usageMetadata)).toEqual({
      input_tokens: 326,
      input_tokens_details: { text_tokens: 66, image_tokens: 260 },
      output_tokens: 1497,
      output_tokens_details: { image_tokens: 1120, text_tokens: 377 },
      total_tokens: 1823,
    });
  });

  it('transcodes to the requested output_format only when the type differs', async () => {
    const reply = await imagesResponseFromCanonical(
      [responses[1]],
      { ...output, format: 'jpeg', compression: 60 },
      created,
    );
    const bytes = Buffer.from(reply.data[0].b64_json!, 'base64');
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
    expect(reply.output_format).toBe('jpeg');
  });

  it('answers response_format url with a data URL', () => {
    const images = collectGeneratedImages([responses[1]]);
    const reply = buildImagesResponse(images, [responses[1]], { ...output, responseFormat: 'url' }, created);
    expect(reply.data[0]).toEqual({ url: `data:image/png;base64,${pngBase64}` });
  });

  it('reports the requested quality and the requested size when the bytes were not measured', () => {
    const images = collectGeneratedImages([responses[1]]);
    const reply = buildImagesResponse(
      images,
      [responses[1]],
      { ...output, quality: 'hd', size: '1024x1024', background: 'transparent' },
      created,
    );
    expect(reply).toMatchObject({ quality: 'high', size: '1024x1024', background: 'transparent' });
  });

  it('turns a blocked prompt into a 400 moderation_blocked safety error', async () => {
    const blocked: GenerateContentResponse = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } };
    await expect(imagesResponseFromCanonical([blocked], output, created)).rejects.toMatchObject({
      errorClass: 'safety',
      httpStatus: 400,
      code: 'moderation_blocked',
    });
  });

  it('turns an answer without an image into a no_image error that fails over', () => {
    const textOnly: GenerateContentResponse = {
      candidates: [{ content: { parts: [{ text: 'I cannot draw' }] }, finishReason: 'NO_IMAGE' }],
    };
    const error = noImageError([textOnly]);
    expect(error.errorClass).toBe('no_image');
    expect(shouldFailOver(error)).toBe(true);
    expect(error.message).toContain('NO_IMAGE');
  });
});

describe('OpenAI Images stream events', () => {
  const streamOutput: ImagesOutputOptions = { ...output, size: '1024x1024', quality: 'high' };

  it('builds image_generation.partial_image exactly as WIRE §9', () => {
    const event = partialImageEvent({
      kind: 'generation',
      b64Json: 'AAA',
      partialImageIndex: 0,
      createdAt: 1700000000,
      output: streamOutput,
    });
    expect(event).toEqual({
      type: 'image_generation.partial_image',
      b64_json: 'AAA',
      created_at: 1700000000,
      size: '1024x1024',
      quality: 'high',
      background: 'auto',
      output_format: 'png',
      partial_image_index: 0,
    });
    expect(formatImagesStreamEvent(event)).toBe(
      `event: image_generation.partial_image\ndata: ${JSON.stringify(event)}\n\n`,
    );
  });

  it('builds image_edit.completed with usage and no index', () => {
    const usage = imagesUsageFromMetadata(responses[1].usageMetadata);
    const event = completedEvent({
      kind: 'edit',
      b64Json: 'BBB',
      createdAt: 1700000001,
      output: streamOutput,
      usage,
    });
    expect(event).toEqual({
      type: 'image_edit.completed',
      b64_json: 'BBB',
      created_at: 1700000001,
      size: '1024x1024',
      quality: 'high',
      background: 'auto',
      output_format: 'png',
      usage,
    });
    expect(event).not.toHaveProperty('partial_image_index');
  });

  it('keeps quality auto in events when the request said auto', () => {
    const event = partialImageEvent({
      kind: 'edit',
      b64Json: 'C',
      partialImageIndex: 2,
      createdAt: 1,
      output,
    });
    expect(event).toMatchObject({
      type: 'image_edit.partial_image',
      quality: 'auto',
      partial_image_index: 2,
    });
  });
});
