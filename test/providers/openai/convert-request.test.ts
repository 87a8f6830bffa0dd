import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import type { GenerateContentRequest } from '../../../src/canonical/types.js';
import { parseImagesEditMultipart } from '../../../src/doors/openai-images/multipart.js';
import {
  type ConvertRequestOptions,
  convertRequestToOpenAiImages,
  toFormData,
} from '../../../src/providers/openai/convert-request.js';

interface Fixture {
  png: string;
  cases: {
    name: string;
    request: GenerateContentRequest;
    options?: Omit<ConvertRequestOptions, 'model'>;
    expected: unknown;
  }[];
  multipart: {
    name: string;
    request: GenerateContentRequest;
    fields: [string, string][];
    files: [string, string, string][];
  };
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-provider-requests.json', import.meta.url), 'utf8'),
);

describe('canonical request → OpenAI Images upstream request', () => {
  for (const testCase of fixture.cases) {
    it(testCase.name, () => {
      expect(
        convertRequestToOpenAiImages(testCase.request, { model: 'gpt-image-2', ...testCase.options }),
      ).toEqual(testCase.expected);
    });
  }

  it(fixture.multipart.name, async () => {
    const converted = convertRequestToOpenAiImages(fixture.multipart.request, { model: 'gpt-image-2' });
    if (converted.kind !== 'multipart') throw new Error('expected multipart');
    expect(converted.path).toBe('/v1/images/edits');
    expect(converted.fields).toEqual(fixture.multipart.fields);
    expect(converted.files.map((file) => [file.field, file.filename, file.mimeType])).toEqual(
      fixture.multipart.files,
    );

    // The same bytes survive a real multipart encoding and our own parser.
    const response = new Response(toFormData(converted));
    const parsed = await parseImagesEditMultipart(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      { 'content-type': response.headers.get('content-type') ?? '' },
      { maxFileBytes: 1024 * 1024 },
    );
    expect(parsed.fields).toEqual(Object.fromEntries(fixture.multipart.fields));
    expect(parsed.images.map((image) => image.data.toString('base64'))).toEqual([fixture.png, fixture.png]);
    expect(parsed.mask?.data.toString('base64')).toBe(fixture.png);
  });

  it('leaves thought images and model text out', () => {
    const converted = convertRequestToOpenAiImages(
      {
        contents: [
          { role: 'user', parts: [{ text: 'draw' }] },
          {
            role: 'model',
            parts: [
              { text: 'Here it is' },
              { inlineData: { mimeType: 'image/png', data: fixture.png }, thought: true },
              { inlineData: { mimeType: 'image/png', data: fixture.png }, thoughtSignature: 'sig' },
            ],
          },
          { role: 'user', parts: [{ text: 'now blue' }] },
        ],
      },
      { model: 'gpt-image-2' },
    );
    if (converted.kind !== 'multipart') throw new Error('expected multipart');
    // The answer image already holds "draw": the next edit is asked of it alone.
    expect(converted.fields).toContainEqual(['prompt', 'now blue']);
    expect(converted.files).toHaveLength(1);
  });

  it('continues a conversation from the most recent answer image, not the images it replaced', async () => {
    const answer = (
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00f' } })
        .png()
        .toBuffer()
    ).toString('base64');
    const converted = convertRequestToOpenAiImages(
      {
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'Change the background to blue' },
              { inlineData: { mimeType: 'image/png', data: fixture.png } },
            ],
          },
          { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: answer } }] },
          { role: 'user', parts: [{ text: 'Now make it grayscale' }] },
        ],
      },
      { model: 'gpt-image-2' },
    );
    if (converted.kind !== 'multipart') throw new Error('expected multipart');
    expect(converted.files.map((file) => file.data.toString('base64'))).toEqual([answer]);
    expect(converted.fields).toContainEqual(['prompt', 'Now make it grayscale']);
  });

  it('rejects a request without text, naming contents', () => {
    const request = {
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: fixture.png } }] }],
    };
    expect(() => convertRequestToOpenAiImages(request, { model: 'gpt-image-2' })).toThrow(GatewayError);
  });

  it('rejects more than 16 input images', () => {
    const parts = [
      { text: 'x' },
      ...Array.from({ length: 17 }, () => ({ inlineData: { mimeType: 'image/png', data: fixture.png } })),
    ];
    expect(() =>
      convertRequestToOpenAiImages({ contents: [{ role: 'user', parts }] }, { model: 'gpt-image-2' }),
    ).toThrow(/at most 16/);
  });
});
