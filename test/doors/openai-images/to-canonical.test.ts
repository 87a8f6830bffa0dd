import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseImagesEditsBody, parseImagesGenerationsBody } from '../../../src/doors/openai-images/schema.js';
import type { CatalogLikeCapabilities } from '../../../src/canonical/openai-size-mapping.js';
import {
  type InputImage,
  imagesRequestToCanonical,
  jsonEditImagesToInputs,
} from '../../../src/doors/openai-images/to-canonical.js';
import { caught } from '../../helpers/errors.js';
import { lazyImageSource, parseSkippingImageStrings } from '../../../src/canonical/skip-image-strings.js';
import { jsonWithImagesPieces } from '../../../src/canonical/json-with-images.js';
import { standInForEditDataUrls } from '../../../src/canonical/data-urls.js';

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

describe('OpenAI Images JSON edits with large data URLs', () => {
  // A PNG signature and 30 KB of noise: large enough for the parse to leave it unread.
  const png = Buffer.concat([
    Buffer.from(fixture.images.png, 'base64').subarray(0, 8),
    Buffer.alloc(30_000, 7),
  ]);
  const plain = png.toString('base64');
  const editBody = (images: string[], mask?: string) => ({
    prompt: 'make it blue',
    images: images.map((url) => ({ image_url: url })),
    ...(mask ? { mask: { image_url: mask } } : {}),
  });
  const lazily = (raw: unknown) => {
    const bytes = Buffer.from(JSON.stringify(raw));
    const parsed = parseSkippingImageStrings(bytes);
    const lazyDataUrls = standInForEditDataUrls(parsed);
    const inputs = jsonEditImagesToInputs(parseImagesEditsBody(parsed), lazyDataUrls);
    return { bytes, lazyDataUrls, inputs };
  };
  /** The first input image's inline blob, built from one lazily parsed data URL. */
  const inlineImageOf = (dataUrl: string) => {
    const { inputs } = lazily(editBody([dataUrl]));
    const body = parseImagesEditsBody(editBody(['x']));
    return imagesRequestToCanonical(body, inputs.images, undefined, flash31).request.contents[0].parts?.[1]
      .inlineData;
  };

  it("sends the client's base64 as a view of the request body, the same request as the eager path", () => {
    const raw = editBody([`data:image/png;base64,${plain}`], `data:image/png;base64,${plain}`);
    const { bytes, lazyDataUrls, inputs } = lazily(raw);
    expect(lazyDataUrls.size).toBe(2);
    const body = parseImagesEditsBody(raw);
    const canonical = imagesRequestToCanonical(body, inputs.images, inputs.mask, flash31);
    const eager = jsonEditImagesToInputs(body);
    const expected = imagesRequestToCanonical(body, eager.images, eager.mask, flash31);
    const image = canonical.request.contents[0].parts?.[1].inlineData as object;
    const source = lazyImageSource(image);
    expect(source?.bytes().buffer).toBe(bytes.buffer); // not a copy
    expect(Buffer.concat(jsonWithImagesPieces(canonical.request)).toString()).toBe(
      Buffer.concat(jsonWithImagesPieces(expected.request)).toString(),
    );
    expect(canonical.request.contents[0].parts?.[1].inlineData).toEqual({
      mimeType: 'image/png',
      data: plain,
    });
  });

  it('types the image from its bytes, not from the declared type', () => {
    expect(inlineImageOf(`data:image/jpeg;base64,${plain}`)?.mimeType).toBe('image/png');
  });

  it('rewrites base64 with spaces as plain base64', () => {
    const wrapped = plain.replace(/.{76}/g, '$& ');
    expect(inlineImageOf(`data:image/png;base64,${wrapped}`)?.data).toBe(plain);
  });

  it('rejects a large data URL that is not an image, naming its field', () => {
    const text = Buffer.alloc(30_000, 'a').toString('base64');
    const error = caught(() => inlineImageOf(`data:image/png;base64,${text}`));
    expect(error.httpStatus).toBe(400);
    expect(error.code).toBe('invalid_image_format');
    expect(error.message).toContain('declared image/png');
  });
});
