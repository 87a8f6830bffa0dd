import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseImagesEditsBody, parseImagesGenerationsBody } from '../../../src/doors/openai-images/schema.js';
import type { CatalogLikeCapabilities } from '../../../src/doors/openai-images/size-mapping.js';
import {
  type InputImage,
  imagesRequestToCanonical,
  jsonEditImagesToInputs,
} from '../../../src/doors/openai-images/to-canonical.js';
import { caught } from '../../helpers/errors.js';

interface ImageSpec {
  kind: 'png' | 'jpeg';
  declaredMime?: string;
}

interface Fixture {
  images: Record<'png' | 'jpeg', string>;
  cases: {
    name: string;
    body: Record<string, unknown>;
    images?: ImageSpec[];
    mask?: ImageSpec;
    jsonForm?: boolean;
    expected: unknown;
  }[];
  rejections: { name: string; body: Record<string, unknown>; param: string; code: string; edits?: boolean }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-images-requests.json', import.meta.url), 'utf8'),
);

const flash31: CatalogLikeCapabilities = {
  aspectRatios: [
    '1:1',
    '2:3',
    '3:2',
    '3:4',
    '4:3',
    '4:5',
    '5:4',
    '9:16',
    '16:9',
    '21:9',
    '1:4',
    '4:1',
    '1:8',
    '8:1',
  ],
  imageSizes: ['512', '1K', '2K', '4K'],
  defaultImageSize: '1K',
};

function upload(spec: ImageSpec): InputImage {
  return { data: Buffer.from(fixture.images[spec.kind], 'base64'), declaredMime: spec.declaredMime };
}

describe('OpenAI Images request → canonical', () => {
  for (const testCase of fixture.cases) {
    it(testCase.name, () => {
      const body = parseImagesEditsBody(testCase.body);
      const inputs = testCase.jsonForm
        ? jsonEditImagesToInputs(body)
        : { images: (testCase.images ?? []).map(upload), mask: testCase.mask && upload(testCase.mask) };
      expect(imagesRequestToCanonical(body, inputs.images, inputs.mask, flash31)).toEqual(testCase.expected);
    });
  }

  it('coerces multipart string fields ("3", "true")', () => {
    const body = parseImagesEditsBody({
      prompt: 'p',
      n: '3',
      stream: 'true',
      partial_images: '2',
      output_compression: '50',
    });
    expect(body).toMatchObject({ n: 3, stream: true, partial_images: 2, output_compression: 50 });
  });

  it('rejects a file that is not an image, naming the part', () => {
    const error = caught(() =>
      imagesRequestToCanonical(
        { prompt: 'p' },
        [{ data: Buffer.from('hello'), declaredMime: 'image/png' }],
        undefined,
        flash31,
      ),
    );
    expect(error.param).toBe('image');
    expect(error.code).toBe('invalid_image_format');
    expect(error.message).toContain('declared image/png');
  });

  it('rejects a mask without an image', () => {
    const mask = upload({ kind: 'png' });
    expect(caught(() => imagesRequestToCanonical({ prompt: 'p' }, [], mask, flash31)).param).toBe('mask');
  });

  it('rejects a transparent background with jpeg output, naming background', () => {
    const body = parseImagesGenerationsBody({
      prompt: 'p',
      background: 'transparent',
      output_format: 'jpeg',
    });
    expect(caught(() => imagesRequestToCanonical(body, [], undefined, flash31)).param).toBe('background');
  });

  it('rejects file ids in the JSON edit form, naming the field', () => {
    const body = parseImagesEditsBody({ prompt: 'p', images: [{ file_id: 'file-1' }] });
    const error = caught(() => jsonEditImagesToInputs(body));
    expect(error.param).toBe('images[0].file_id');
    expect(error.httpStatus).toBe(400);
  });

  it('rejects an image_url that is neither https nor a base64 data URL', () => {
    const body = parseImagesEditsBody({ prompt: 'p', images: [{ image_url: 'ftp://x/y.png' }] });
    expect(caught(() => jsonEditImagesToInputs(body)).param).toBe('images[0].image_url');
  });
});

describe('OpenAI Images request validation', () => {
  for (const rejection of fixture.rejections) {
    it(`rejects ${rejection.name} with a 400 naming ${rejection.param}`, () => {
      const parse = rejection.edits ? parseImagesEditsBody : parseImagesGenerationsBody;
      const error = caught(() => parse(rejection.body));
      expect(error.httpStatus).toBe(400);
      expect(error.errorClass).toBe('bad_request');
      expect(error.param).toBe(rejection.param);
      expect(error.code).toBe(rejection.code);
      expect(error.message).toContain(rejection.param);
    });
  }

  it('rejects a body that is not a JSON object', () => {
    expect(caught(() => parseImagesGenerationsBody([1])).httpStatus).toBe(400);
  });
});
