import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  extractHostedImageUrls,
  replaceHostedUrlWithInlineData,
  responseHasImage,
  splitMarkdownDataUrlImages,
} from '../../src/canonical/normalize-output.js';
import type { GenerateContentResponse } from '../../src/canonical/types.js';

interface Fixture {
  markdownDataUrl: { input: GenerateContentResponse; expected: GenerateContentResponse };
  hosted: { input: GenerateContentResponse; urls: string[]; afterFirst: GenerateContentResponse };
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/openai-normalize-output.json', import.meta.url), 'utf8'),
);

describe('output normalisation', () => {
  it('splits a markdown data-URL image in text into text + inlineData + text', () => {
    const before = structuredClone(fixture.markdownDataUrl.input);
    expect(splitMarkdownDataUrlImages(fixture.markdownDataUrl.input)).toEqual(
      fixture.markdownDataUrl.expected,
    );
    expect(fixture.markdownDataUrl.input).toEqual(before);
  });

  it('leaves a response without markdown images as it is', () => {
    const plain: GenerateContentResponse = { candidates: [{ content: { parts: [{ text: 'hello' }] } }] };
    expect(splitMarkdownDataUrlImages(plain)).toEqual(plain);
  });

  it('does not touch thought text', () => {
    const thought: GenerateContentResponse = {
      candidates: [{ content: { parts: [{ text: '![x](data:image/png;base64,AAAA)', thought: true }] } }],
    };
    expect(splitMarkdownDataUrlImages(thought)).toEqual(thought);
  });

  it('lists hosted image URLs from markdown images and bare URLs with an image extension', () => {
    expect(extractHostedImageUrls(fixture.hosted.input)).toEqual(fixture.hosted.urls);
  });

  it('ignores bare URLs that do not end in an image extension', () => {
    const text: GenerateContentResponse = {
      candidates: [
        { content: { parts: [{ text: 'see https://example.com/page and https://example.com/a.pngx' }] } },
      ],
    };
    expect(extractHostedImageUrls(text)).toEqual([]);
  });

  it('swaps a fetched hosted URL for an inlineData part', () => {
    const replaced = replaceHostedUrlWithInlineData(fixture.hosted.input, fixture.hosted.urls[0], {
      mimeType: 'image/webp',
      data: 'AAAA',
    });
    expect(replaced).toEqual(fixture.hosted.afterFirst);
  });

  it('tells whether a response carries a final image', () => {
    expect(responseHasImage(fixture.markdownDataUrl.input)).toBe(false);
    expect(responseHasImage(fixture.markdownDataUrl.expected)).toBe(true);
    expect(
      responseHasImage({
        candidates: [
          { content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'A' }, thought: true }] } },
        ],
      }),
    ).toBe(false);
    expect(responseHasImage({ promptFeedback: { blockReason: 'SAFETY' } })).toBe(false);
  });

  describe('on hostile upstream text', () => {
    const textResponse = (text: string): GenerateContentResponse => ({
      candidates: [{ content: { role: 'model', parts: [{ text }] } }],
    });
    const hostile = [
      ['1 MB of "![" without a closing bracket', '!['.repeat(500_000)],
      ['"![a](" repeated, closed once at the end', `${'![a](https://x'.repeat(70_000)} y)`],
      [
        'a data URL whose base64 is followed by a megabyte of spaces and no parenthesis',
        `![a](data:image/png;base64,A${' '.repeat(1_000_000)}x`,
      ],
      ['"http://" repeated without white space', 'http://'.repeat(150_000)],
      [
        'image extensions each followed by a query, and a parenthesis at the end',
        `http://a${'.png?'.repeat(200_000)}${'b'.repeat(100_000)}(`,
      ],
      ['a megabyte of punctuation after a URL', `https://a.png${'.'.repeat(1_000_000)}x`],
    ] as const;

    for (const [name, text] of hostile) {
      it(`reads ${name} within 2 s`, () => {
        const started = performance.now();
        const response = textResponse(text);
        splitMarkdownDataUrlImages(response);
        const urls = extractHostedImageUrls(response);
        if (urls[0])
          replaceHostedUrlWithInlineData(response, urls[0], { mimeType: 'image/png', data: 'AAAA' });
        // Generous: linear scans take milliseconds; the regular expressions took minutes on these.
        expect(performance.now() - started).toBeLessThan(2_000);
      });
    }
  });
});
