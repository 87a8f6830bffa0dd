import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytePieces } from '../../src/canonical/byte-pieces.js';
import { findImageStrings, imageStringBegun } from '../../src/canonical/find-image-strings.js';
import { parseSkippingImageStrings } from '../../src/canonical/skip-image-strings.js';

const image = randomBytes(60_000).toString('base64');

function answer(pretty: boolean) {
  const value = {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            { text: 'He said "data": "not an image" and left.' },
            { inlineData: { mimeType: 'image/png', data: image }, thoughtSignature: 'c2ln' },
            { functionCall: { name: 'f', args: { data: 'short user value' } } },
          ],
        },
        finishReason: 'STOP',
      },
    ],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1290, totalTokenCount: 1300 },
  };
  return {
    value,
    bytes: Buffer.from(pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value)),
  };
}

describe('parsing an answer without parsing its image strings', () => {
  for (const pretty of [true, false]) {
    it(`gives the same value as JSON.parse (${pretty ? 'pretty' : 'compact'} JSON)`, () => {
      const { value, bytes } = answer(pretty);
      const parsed = parseSkippingImageStrings(bytes);
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(value);
    });
  }

  it('skips only long escape-free strings of "data" keys', () => {
    const { bytes } = answer(true);
    const ranges = findImageStrings(bytes);
    expect(ranges).toHaveLength(1);
    expect(bytes.toString('latin1', ranges[0].start, ranges[0].end)).toBe(image);
  });

  it('decodes an image string only when it is read, and lets it be replaced', () => {
    const { bytes } = answer(false);
    const parsed = parseSkippingImageStrings(bytes) as {
      candidates: Array<{ content: { parts: Array<{ inlineData?: { data: string } }> } }>;
    };
    const blob = parsed.candidates[0].content.parts[1].inlineData!;
    expect(Object.getOwnPropertyDescriptor(blob, 'data')?.get).toBeTypeOf('function');
    expect(blob.data).toBe(image);
    blob.data = 'AAAA';
    expect(blob.data).toBe('AAAA');
    expect({ ...blob }).toEqual({ mimeType: 'image/png', data: 'AAAA' });
  });

  it('leaves text that merely mentions a data key alone', () => {
    const text = `prefix ${'x'.repeat(5000)} "data": "${'y'.repeat(5000)}"`;
    const bytes = Buffer.from(JSON.stringify({ candidates: [{ content: { parts: [{ text }] } }] }));
    expect(findImageStrings(bytes)).toEqual([]);
    expect(parseSkippingImageStrings(bytes)).toEqual(JSON.parse(bytes.toString()));
  });

  it('still rejects invalid JSON', () => {
    const broken = Buffer.concat([answer(false).bytes.subarray(0, 70_000)]);
    expect(() => parseSkippingImageStrings(broken)).toThrow(SyntaxError);
  });
});

describe('strings that are not images', () => {
  it('decodes a long non-ASCII data string exactly', () => {
    const text = 'é€🙂 '.repeat(2000);
    const bytes = Buffer.from(JSON.stringify({ response: { data: text } }));
    const parsed = parseSkippingImageStrings(bytes) as { response: { data: string } };
    expect(parsed.response.data).toBe(text);
  });
});

describe('a JSON text given as a string (streamed events)', () => {
  it('parses like JSON.parse and reads the image back as a slice of the text', () => {
    const { value, bytes } = answer(false);
    const text = bytes.toString('utf8');
    const parsed = parseSkippingImageStrings(text) as typeof value;
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(value);
    expect(findImageStrings(text)).toHaveLength(1);
    expect(parsed.candidates[0].content.parts[1].inlineData?.data).toBe(image);
  });
});

describe('data URLs in "url" keys (OpenAI chat bodies)', () => {
  it('skips a long data URL and reads it back whole, and leaves other urls alone', () => {
    const dataUrl = `data:image/png;base64,${'QUJD'.repeat(3000)}`;
    const https = `https://example.com/${'a'.repeat(5000)}.png`;
    const body = {
      messages: [
        {
          content: [
            { type: 'image_url', image_url: { url: dataUrl } },
            { type: 'image_url', image_url: { url: https } },
          ],
        },
      ],
    };
    const text = JSON.stringify(body);
    expect(findImageStrings(Buffer.from(text)).map((range) => text.slice(range.start, range.end))).toEqual([
      dataUrl,
    ]);
    expect(parseSkippingImageStrings(Buffer.from(text))).toEqual(body);
  });
});

describe('any mix of image strings and ordinary JSON', () => {
  it('parses as JSON.parse does, finding "data" and "url" images in document order', () => {
    const longBase64 = fc.integer({ min: 4096, max: 9000 }).map((length) => 'QUJD'.repeat(length / 4));
    const member = fc.oneof(
      fc.tuple(fc.constant('data'), longBase64),
      fc.tuple(
        fc.constant('url'),
        longBase64.map((base64) => `data:image/png;base64,${base64}`),
      ),
      fc.tuple(fc.constantFrom('data', 'url', 'text'), fc.string({ maxLength: 30 })),
      fc.tuple(fc.constant('text'), fc.constant('say "data": "x" \\ and "url": "data:y"')),
      // a long value of an image key with an escape in it is ordinary text
      fc.tuple(
        fc.constantFrom('data', 'url'),
        longBase64.map((base64) => `data:${base64}\n"${base64}`),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(member, { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (members, pretty, cuts) => {
          const value = { parts: members.map(([key, text]) => ({ [key]: text })) };
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          const parsed = parseSkippingImageStrings(Buffer.from(text));
          expect(JSON.parse(JSON.stringify(parsed))).toEqual(value);
          const skipped = findImageStrings(Buffer.from(text)).map((range) =>
            text.slice(range.start, range.end),
          );
          const images = members
            .filter(
              ([key, text]) =>
                text.length >= 4096 && !/[\n"]/.test(text) && (key === 'data' || text.startsWith('data:')),
            )
            .map(([, text]) => text);
          expect(skipped).toEqual(images);
          // The same bytes in pieces cut anywhere (inside keys, quotes, images) read the same.
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const pieces = [...points, bytes.length].map((point, index, all) =>
            bytes.subarray(index === 0 ? 0 : all[index - 1], point),
          );
          const inPieces = new BytePieces(pieces);
          expect(findImageStrings(inPieces)).toEqual(findImageStrings(bytes));
          expect(JSON.parse(JSON.stringify(parseSkippingImageStrings(inPieces)))).toEqual(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('imageStringBegun (committing to a route from an answer head)', () => {
  const open = (prefix: string, image: string) =>
    Buffer.from(
      `{"candidates":[{"content":{"parts":[${prefix}{"inlineData":{"mimeType":"image/png","data":"${image}`,
    );
  const base64 = 'QUJD'.repeat(20_000);

  it('sees an inline image string still open with enough of it read', () => {
    expect(imageStringBegun(open('{"text":"here"},', base64), 65_536)).toBe(true);
    expect(
      imageStringBegun(Buffer.from(`{"inline_data": {"mime_type": "image/png", "data" : "${base64}`), 65_536),
    ).toBe(true);
  });

  it('does not commit on too little, on a closed string, an escape, or a data key outside inlineData', () => {
    expect(imageStringBegun(open('', base64.slice(0, 1000)), 65_536)).toBe(false);
    expect(imageStringBegun(Buffer.from(`${open('', base64).toString()}"}}]}}]}`), 65_536)).toBe(false);
    expect(imageStringBegun(open('', `${base64}\\n`), 65_536)).toBe(false);
    expect(imageStringBegun(Buffer.from(`{"functionCall":{"args":{"data":"${base64}`), 65_536)).toBe(false);
  });
});
