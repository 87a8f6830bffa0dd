import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dataImageTargets,
  findBareImageUrls,
  findMarkdownImages,
  hostedTargets,
} from '../../src/canonical/find-text-images.js';
import { replaceHostedUrlWithInlineData } from '../../src/canonical/normalize-output.js';
import type { GenerateContentResponse } from '../../src/canonical/types.js';

// The regular expressions the scans replace: the reference for what they find on short text.
const markdownDataUrlImage =
  /!\[[^\]]*\]\(\s*data:(image\/[A-Za-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+?)\s*\)/g;
const markdownHostedImage = /!\[[^\]]*\]\(\s*(https?:\/\/[^\s)]+)\s*\)/g;
const bareHostedImage =
  /https?:\/\/[^\s()<>"'\]]+?\.(?:png|jpe?g|webp|gif)(?:\?[^\s()<>"'\]]*)?(?=[\s)"'<>\].,;!]|$)/gi;

function spans(text: string, pattern: RegExp): Array<{ start: number; end: number }> {
  return [...text.matchAll(pattern)].map((found) => ({
    start: found.index,
    end: found.index + found[0].length,
  }));
}

const tokens = [
  '![',
  ']',
  '(',
  ')',
  ' ',
  '\n',
  'http://',
  'HTTPS://',
  'a',
  'x.',
  '.png',
  '.JPEG',
  '.jpg',
  '?',
  '.',
  '!',
  ',',
  'data:image/png;base64,',
  'AAAA',
  '"',
  '<',
];
const tokenText = fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((parts) => parts.join(''));

function textResponse(text: string): GenerateContentResponse {
  return { candidates: [{ content: { role: 'model', parts: [{ text }] } }] };
}

describe('image mentions in upstream text', () => {
  it('finds the same bare image URLs as the regular expression it replaces', () => {
    fc.assert(
      fc.property(tokenText, (text) => {
        expect(findBareImageUrls(text)).toEqual(spans(text, bareHostedImage));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds the same markdown data-URL and hosted images as the regular expressions they replace', () => {
    fc.assert(
      fc.property(tokenText, (text) => {
        const data = findMarkdownImages(text, dataImageTargets(text));
        expect(data.map(({ start, end }) => ({ start, end }))).toEqual(spans(text, markdownDataUrlImage));
        const hosted = findMarkdownImages(text, hostedTargets(text));
        expect(hosted.map(({ start, end }) => ({ start, end }))).toEqual(spans(text, markdownHostedImage));
      }),
      { numRuns: 3000 },
    );
  });

  it('swaps markdown and bare mentions of a URL left to right', () => {
    const response = textResponse('A ![x](https://h/1.png) B https://h/1.png C');
    const replaced = replaceHostedUrlWithInlineData(response, 'https://h/1.png', {
      mimeType: 'image/png',
      data: 'AA',
    });
    expect(replaced.candidates?.[0].content?.parts).toEqual([
      { text: 'A' },
      { inlineData: { mimeType: 'image/png', data: 'AA' } },
      { text: 'B' },
      { inlineData: { mimeType: 'image/png', data: 'AA' } },
      { text: 'C' },
    ]);
  });
});
