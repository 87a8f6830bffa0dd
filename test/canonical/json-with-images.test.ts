import { describe, expect, it } from 'vitest';
import {
  imageUrlOf,
  jsonWithImagesPieces,
  piecesLength,
  withImageField,
} from '../../src/canonical/json-with-images.js';

/** A view into `source`'s own bytes (not only its ArrayBuffer: Node 24 pools small buffers with it). */
const isViewOf = (piece: Buffer, source: Buffer) =>
  piece.buffer === source.buffer &&
  piece.byteOffset >= source.byteOffset &&
  piece.byteOffset + piece.length <= source.byteOffset + source.length;

const writeJsonWithImages = (value: unknown, space?: number) =>
  Buffer.concat(jsonWithImagesPieces(value, space));
import {
  base64Bytes,
  encodedImageBlob,
  imageDataSlice,
  parseSkippingImageStrings,
} from '../../src/canonical/skip-image-strings.js';

const base64 = (length: number, seed: number) =>
  Buffer.from(Array.from({ length: Math.ceil((length * 3) / 4) }, (_, index) => (index * seed) % 251))
    .toString('base64')
    .slice(0, length);

const answer = {
  candidates: [
    {
      content: {
        role: 'model',
        parts: [
          { text: 'Here, "quoted" and ünïcödé' },
          { inlineData: { mimeType: 'image/png', data: base64(20_000, 7) } },
          { inlineData: { mimeType: 'image/jpeg', data: base64(9_000, 13) }, thoughtSignature: 'sig' },
        ],
      },
      finishReason: 'STOP',
    },
  ],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1290 },
};

describe('JSON with images, joined', () => {
  it('writes a lazily parsed answer byte for byte as JSON.stringify would', () => {
    for (const source of [Buffer.from(JSON.stringify(answer)), JSON.stringify(answer)]) {
      const parsed = parseSkippingImageStrings(source);
      expect(writeJsonWithImages(parsed).toString('utf8')).toBe(JSON.stringify(answer));
      expect(writeJsonWithImages(parsed, 2).toString('utf8')).toBe(JSON.stringify(answer, null, 2));
    }
  });

  it('finds images deep in the answer, and writes a value without any as one JSON.stringify piece', () => {
    const source = Buffer.from(JSON.stringify(answer));
    const lazy = jsonWithImagesPieces(parseSkippingImageStrings(source));
    expect(lazy.filter((piece) => isViewOf(piece, source))).toHaveLength(2);
    const plain = jsonWithImagesPieces(answer, 2);
    expect(plain).toHaveLength(1);
    expect(plain[0].toString('utf8')).toBe(JSON.stringify(answer, null, 2));
  });

  it('writes data URLs of lazy images from their bytes, and as strings when read directly', () => {
    const parsed = parseSkippingImageStrings(Buffer.from(JSON.stringify(answer))) as typeof answer;
    const blob = parsed.candidates[0].content.parts[1].inlineData!;
    const reply = { images: [{ type: 'image_url', image_url: imageUrlOf('data:image/png;base64,', blob) }] };
    const expected = JSON.stringify({
      images: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${blob.data}` } }],
    });
    expect(writeJsonWithImages(reply).toString('utf8')).toBe(expected);
    expect(JSON.stringify(reply)).toBe(expected);
    expect(reply.images[0].image_url.url.startsWith('data:image/png;base64,')).toBe(true);
  });

  it('writes an image field beside other keys (b64_json with revised_prompt) from its bytes', () => {
    const source = Buffer.from(JSON.stringify(answer));
    const parsed = parseSkippingImageStrings(source) as typeof answer;
    const blob = parsed.candidates[0].content.parts[1].inlineData!;
    const item = withImageField({}, 'b64_json', '', blob) as Record<string, unknown>;
    item.revised_prompt = 'a "red" square';
    const reply = { created: 1, data: [item] };
    const expected = JSON.stringify({
      created: 1,
      data: [{ b64_json: blob.data, revised_prompt: 'a "red" square' }],
    });
    expect(writeJsonWithImages(reply).toString('utf8')).toBe(expected);
    expect(jsonWithImagesPieces(reply).some((piece) => isViewOf(piece, source))).toBe(true);
    expect(JSON.stringify(reply)).toBe(expected);
  });

  it('writes an uploaded image as its base64 bytes, equal to the string it reads as', () => {
    const upload = Buffer.from(base64(30_000, 11), 'base64');
    const request = {
      contents: [{ parts: [{ text: 'blue' }, { inlineData: encodedImageBlob('image/png', upload) }] }],
    };
    const pieces = jsonWithImagesPieces(request);
    const imagePiece = pieces.find((piece) => piece.length >= upload.length);
    expect(imagePiece?.toString('latin1')).toBe(upload.toString('base64'));
    expect(Buffer.concat(pieces).toString('utf8')).toBe(
      JSON.stringify({
        contents: [
          {
            parts: [
              { text: 'blue' },
              { inlineData: { mimeType: 'image/png', data: upload.toString('base64') } },
            ],
          },
        ],
      }),
    );
    expect(imageDataSlice(request.contents[0].parts[1].inlineData!, 0, 8)).toBe(
      upload.toString('base64').slice(0, 8),
    );
  });

  it('encodes base64 a slice at a time, equal to one toString at every length around the slices', () => {
    for (const length of [0, 1, 2, 3, 49_151, 49_152, 49_153, 98_305, 200_000]) {
      const bytes = Buffer.from(base64(Math.ceil((length * 4) / 3) + 4, length % 97 || 5), 'base64').subarray(
        0,
        length,
      );
      expect(bytes.length).toBe(length);
      expect(base64Bytes(bytes).toString('latin1')).toBe(bytes.toString('base64'));
    }
  });

  it('escapes a prefix like any JSON string', () => {
    const parsed = parseSkippingImageStrings(Buffer.from(JSON.stringify(answer))) as typeof answer;
    const blob = parsed.candidates[0].content.parts[1].inlineData!;
    const reply = imageUrlOf('odd"prefix\\', blob);
    expect(JSON.parse(writeJsonWithImages(reply).toString('utf8')).url).toBe(`odd"prefix\\${blob.data}`);
  });

  it('writes an image replaced after parsing, and plain objects, with JSON.stringify', () => {
    const parsed = parseSkippingImageStrings(Buffer.from(JSON.stringify(answer))) as typeof answer;
    parsed.candidates[0].content.parts[1].inlineData!.data = 'AAAA';
    const expected = structuredClone(answer);
    expected.candidates[0].content.parts[1].inlineData!.data = 'AAAA';
    expect(writeJsonWithImages(parsed).toString('utf8')).toBe(JSON.stringify(expected));
    expect(writeJsonWithImages({ a: [1, 'two', null] }).toString('utf8')).toBe('{"a":[1,"two",null]}');
    const plain = imageUrlOf('data:image/png;base64,', { data: 'QUJD' });
    expect(writeJsonWithImages(plain).toString('utf8')).toBe('{"url":"data:image/png;base64,QUJD"}');
  });

  it('makes an image field over an ordinary string a plain property, and one over parsed bytes a getter', () => {
    // A plain property keeps JSON.stringify on its fast path; a getter defers building a big string.
    const plain = withImageField({}, 'b64_json', '', { data: 'QUJD' });
    expect(Object.getOwnPropertyDescriptor(plain, 'b64_json')).toMatchObject({
      value: 'QUJD',
      enumerable: true,
    });
    const parsed = parseSkippingImageStrings(Buffer.from(JSON.stringify(answer))) as typeof answer;
    const blob = parsed.candidates[0].content.parts[1].inlineData as { data?: unknown };
    const lazy = imageUrlOf('data:image/png;base64,', blob);
    expect(Object.getOwnPropertyDescriptor(lazy, 'url')?.get).toBeTypeOf('function');
    expect(lazy.url).toBe(`data:image/png;base64,${answer.candidates[0].content.parts[1].inlineData?.data}`);
  });

  it('writes a long non-ASCII data string parsed from a string exactly', () => {
    const text = { notes: [{ data: `ünïcödé ${'ä'.repeat(5000)} 🙂` }] };
    for (const source of [JSON.stringify(text), Buffer.from(JSON.stringify(text))]) {
      expect(writeJsonWithImages(parseSkippingImageStrings(source)).toString('utf8')).toBe(
        JSON.stringify(text),
      );
    }
  });
});

describe('jsonWithImagesPieces', () => {
  it('gives the same bytes in pieces whose images are views of the parsed buffer, not copies', () => {
    const source = Buffer.from(JSON.stringify(answer));
    const pieces = jsonWithImagesPieces(parseSkippingImageStrings(source));
    expect(Buffer.concat(pieces).toString('utf8')).toBe(JSON.stringify(answer));
    expect(piecesLength(pieces)).toBe(source.length);
    const views = pieces.filter((piece) => isViewOf(piece, source));
    expect(views.map((piece) => piece.length)).toEqual([20_000, 9_000]);
  });

  it('is one piece when no image was parsed lazily', () => {
    const pieces = jsonWithImagesPieces(answer);
    expect(pieces).toHaveLength(1);
    expect(pieces[0].toString('utf8')).toBe(JSON.stringify(answer));
  });
});
