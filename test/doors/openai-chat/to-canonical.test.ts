import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseChatCompletionsBody } from '../../../src/doors/openai-chat/schema.js';
import { chatRequestToCanonical } from '../../../src/doors/openai-chat/to-canonical.js';
import { standInForChatDataUrls } from '../../../src/canonical/data-urls.js';
import { parseSkippingImageStrings } from '../../../src/canonical/skip-image-strings.js';
import { jsonWithImagesPieces } from '../../../src/canonical/json-with-images.js';
import { caught } from '../../helpers/errors.js';

interface Fixture {
  cases: { name: string; body: unknown; expected: unknown }[];
  rejections: { name: string; body: unknown; param: string }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-chat-requests.json', import.meta.url), 'utf8'),
);

describe('OpenAI chat request → canonical', () => {
  for (const testCase of fixture.cases) {
    it(testCase.name, () => {
      expect(chatRequestToCanonical(parseChatCompletionsBody(testCase.body))).toEqual(testCase.expected);
    });
  }

  it('keeps plain base64 of a data URL as sent, and writes wrapped or URL-safe base64 plainly', () => {
    const bytes = Buffer.from(Array.from({ length: 9000 }, (_, index) => (index * 31) % 256));
    const plain = bytes.toString('base64');
    const wrapped = plain.replace(/(.{76})/g, '$1\r\n');
    const canonicalData = (base64: string) => {
      const body = parseChatCompletionsBody({
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } }],
          },
        ],
      });
      const part = chatRequestToCanonical(body).request.contents[0].parts?.[0];
      expect(part?.inlineData?.mimeType).toBe('image/png');
      return part?.inlineData?.data;
    };
    expect(canonicalData(plain)).toBe(plain);
    expect(canonicalData(wrapped)).toBe(plain);
  });

  it('turns data URLs left unread by the JSON parse into the same canonical images', () => {
    const bytes = Buffer.from(Array.from({ length: 9000 }, (_, index) => (index * 7) % 256));
    const plain = bytes.toString('base64');
    const wrapped = plain.replace(/(.{76})/g, '$1\n');
    const raw = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'grayscale' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${plain}` } },
          ],
          images: [{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${wrapped}` } }],
        },
      ],
    };
    const parsed = parseSkippingImageStrings(Buffer.from(JSON.stringify(raw)));
    const lazy = standInForChatDataUrls(parsed);
    expect(lazy.size).toBe(1); // the wrapped one has JSON escapes (\n), so the parse read it as usual
    const canonical = chatRequestToCanonical(parseChatCompletionsBody(parsed), lazy);
    const eager = chatRequestToCanonical(parseChatCompletionsBody(raw));
    expect(canonical).toEqual(eager);
    expect(canonical.request.contents[0].parts?.[1].inlineData?.data).toBe(plain);
    expect(canonical.request.contents[0].parts?.[2].inlineData).toEqual({
      mimeType: 'image/jpeg',
      data: plain,
    });
    expect(Buffer.concat(jsonWithImagesPieces(canonical.request)).toString()).toBe(
      JSON.stringify(eager.request),
    );
  });

  it('rejects an image_url that is neither https nor a data URL, naming its path', () => {
    const body = parseChatCompletionsBody({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
      ],
    });
    expect(caught(() => chatRequestToCanonical(body)).param).toBe('messages[0].content[0].image_url.url');
  });

  it('rejects a conversation with only system messages', () => {
    const body = parseChatCompletionsBody({ model: 'm', messages: [{ role: 'system', content: 'x' }] });
    expect(caught(() => chatRequestToCanonical(body)).param).toBe('messages');
  });
});

describe('OpenAI chat request validation', () => {
  for (const rejection of fixture.rejections) {
    it(`rejects ${rejection.name} with a 400 naming ${rejection.param}`, () => {
      const error = caught(() => parseChatCompletionsBody(rejection.body));
      expect(error.httpStatus).toBe(400);
      expect(error.param).toBe(rejection.param);
    });
  }
});
