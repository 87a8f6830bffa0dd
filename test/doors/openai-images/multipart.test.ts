import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import { parseImagesEditMultipart } from '../../../src/doors/openai-images/multipart.js';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEklEQVQImWP4z8AARwjWfwYGAG+qB/l/O6VpAAAAAElFTkSuQmCC',
  'base64',
);

/** A real multipart body (boundary and all) as the openai SDK would send it. */
function multipart(form: FormData): { stream: Readable; headers: Record<string, string> } {
  const response = new Response(form);
  const stream = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
  return { stream, headers: { 'content-type': response.headers.get('content-type') ?? '' } };
}

function imageBlob(bytes: Buffer = png): globalThis.Blob {
  return new Blob([new Uint8Array(bytes)], { type: 'image/png' });
}

const limits = { maxFileBytes: 1024 * 1024 };

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('images/edits multipart parsing', () => {
  it('reads one image sent as `image` with the text fields as strings', async () => {
    const form = new FormData();
    form.append('model', 'nano-banana-2');
    form.append('prompt', 'make the background blue');
    form.append('n', '2');
    form.append('image', imageBlob(), 'square.png');
    const { stream, headers } = multipart(form);
    const parsed = await parseImagesEditMultipart(stream, headers, limits);
    expect(parsed.fields).toEqual({ model: 'nano-banana-2', prompt: 'make the background blue', n: '2' });
    expect(parsed.images).toHaveLength(1);
    expect(parsed.images[0]).toEqual({ data: png, filename: 'square.png', declaredMime: 'image/png' });
    expect(parsed.mask).toBeUndefined();
  });

  it('reads three images sent as repeated `image[]` plus a mask, in order', async () => {
    const form = new FormData();
    form.append('prompt', 'combine them');
    const distinct = [0, 1, 2].map((index) => Buffer.concat([png, Buffer.from([index])]));
    distinct.forEach((bytes, index) => {
      form.append('image[]', imageBlob(bytes), `image-${index}.png`);
    });
    form.append('mask', imageBlob(), 'mask.png');
    const { stream, headers } = multipart(form);
    const parsed = await parseImagesEditMultipart(stream, headers, limits);
    expect(parsed.images.map((image) => image.data)).toEqual(distinct);
    expect(parsed.images.map((image) => image.filename)).toEqual([
      'image-0.png',
      'image-1.png',
      'image-2.png',
    ]);
    expect(parsed.mask).toEqual({ data: png, filename: 'mask.png', declaredMime: 'image/png' });
    expect(parsed.fields.prompt).toBe('combine them');
  });

  it('rejects more than 16 images naming `image`', async () => {
    const form = new FormData();
    form.append('prompt', 'too many');
    for (let index = 0; index < 17; index += 1) form.append('image[]', imageBlob(), `image-${index}.png`);
    const { stream, headers } = multipart(form);
    const error = await rejection(parseImagesEditMultipart(stream, headers, limits));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe('image');
    expect(error.message).toContain('16');
  });

  it('rejects a file over the size limit with a 413 naming the part', async () => {
    const form = new FormData();
    form.append('prompt', 'big');
    form.append('image[]', imageBlob(Buffer.alloc(4096, 1)), 'big.png');
    const { stream, headers } = multipart(form);
    const error = await rejection(parseImagesEditMultipart(stream, headers, { maxFileBytes: 1000 }));
    expect(error.httpStatus).toBe(413);
    expect(error.param).toBe('image[]');
    expect(error.code).toBe('file_too_large');
  });

  it('rejects an oversized mask naming `mask`', async () => {
    const form = new FormData();
    form.append('image', imageBlob(), 'a.png');
    form.append('mask', imageBlob(Buffer.alloc(4096, 1)), 'mask.png');
    const { stream, headers } = multipart(form);
    expect((await rejection(parseImagesEditMultipart(stream, headers, { maxFileBytes: 1000 }))).param).toBe(
      'mask',
    );
  });

  it('rejects an unexpected file part naming it', async () => {
    const form = new FormData();
    form.append('picture', imageBlob(), 'a.png');
    const { stream, headers } = multipart(form);
    expect((await rejection(parseImagesEditMultipart(stream, headers, limits))).param).toBe('picture');
  });

  it('rejects an empty image file', async () => {
    const form = new FormData();
    form.append('image', new Blob([]), 'empty.png');
    const { stream, headers } = multipart(form);
    expect((await rejection(parseImagesEditMultipart(stream, headers, limits))).param).toBe('image');
  });

  it('rejects a body that is not multipart', async () => {
    const stream = Readable.from([Buffer.from('{}')]);
    const error = await rejection(
      parseImagesEditMultipart(stream, { 'content-type': 'application/json' }, limits),
    );
    expect(error.httpStatus).toBe(400);
    expect(error.code).toBe('invalid_multipart');
  });
});
