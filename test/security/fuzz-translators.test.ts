// Property tests: every translator and parser the doors run on client or upstream bytes either
// returns a value or throws a GatewayError (a 4xx/5xx the door can render) — never a TypeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/canonical/errors.js';
import { summarizeRequest } from '../../src/canonical/summarize.js';
import {
  extractHostedImageUrls,
  replaceHostedUrlWithInlineData,
  responseHasImage,
  splitMarkdownDataUrlImages,
} from '../../src/canonical/normalize-output.js';
import { normalizeGeminiRequest } from '../../src/doors/gemini/normalize-request.js';
import { parseChatCompletionsBody } from '../../src/doors/openai-chat/schema.js';
import { chatRequestToCanonical } from '../../src/doors/openai-chat/to-canonical.js';
import { parseImagesEditsBody, parseImagesGenerationsBody } from '../../src/doors/openai-images/schema.js';
import {
  imagesRequestToCanonical,
  jsonEditImagesToInputs,
} from '../../src/doors/openai-images/to-canonical.js';
import { parseInstruction } from '../../src/engine/parse-instruction.js';
import { parseGeminiBody } from '../../src/providers/gemini/parse-response.js';
import { readServerSentEvents } from '../../src/providers/read-sse.js';
import { classifyResponse, countImages } from '../../src/routing/response-outcome.js';
import { isTruncatedImage, readImageDimensions } from '../../src/security/image-header.js';
import { inspectRequest } from '../../src/security/inspect-request.js';
import { parseJsonBody } from '../../src/http/parse-json-body.js';

const runs = { numRuns: 2000 };
const capabilities = { aspectRatios: ['1:1', '16:9'], imageSizes: ['1K', '2K'], defaultImageSize: '1K' };

/** Runs `work`; a GatewayError is an acceptable answer, anything else thrown fails the property. */
function answersOrRefuses(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.httpStatus).toBeGreaterThanOrEqual(400);
  }
}

/** Values shaped like API bodies: known field names mixed with random ones, at random depths. */
const fieldNames = fc.constantFrom(
  'contents',
  'parts',
  'text',
  'inlineData',
  'inline_data',
  'mimeType',
  'mime_type',
  'data',
  'fileData',
  'fileUri',
  'role',
  'generationConfig',
  'imageConfig',
  'aspectRatio',
  'imageSize',
  'candidates',
  'content',
  'finishReason',
  'usageMetadata',
  'prompt',
  'model',
  'n',
  'size',
  'images',
  'image_url',
  'mask',
  'messages',
  'modalities',
  'url',
  'type',
  'stream',
  'thought',
  'properties',
  'args',
  '__proto__',
  'constructor',
);
const apiLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.string(),
      fc.constantFrom('data:image/png;base64,iVBORw0KGgo=', 'https://127.0.0.1/a.png', 'iVBORw0KGgo='),
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fieldNames, fc.string()), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Optional keys, each either the right shape or any apiLike value. */
function shaped(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.fromEntries(
    Object.entries(fields).map(([key, arbitrary]) => [key, fc.oneof(arbitrary, apiLike)]),
  );
  return fc.record(entries, { requiredKeys: [] });
}
const partLike = shaped({
  text: fc.string(),
  thought: fc.boolean(),
  inlineData: shaped({
    mimeType: fc.constantFrom('image/png', 'image/jpeg', 'text/plain'),
    data: fc.base64String(),
  }),
  fileData: shaped({ fileUri: fc.webUrl(), mimeType: fc.string() }),
});
const contentLike = shaped({
  role: fc.constantFrom('user', 'model'),
  parts: fc.array(fc.oneof(partLike, apiLike), { maxLength: 4 }),
});
/** A Gemini request or answer whose every level may have the wrong type. */
const geminiLike = shaped({
  contents: fc.array(fc.oneof(contentLike, apiLike), { maxLength: 3 }),
  systemInstruction: contentLike,
  generationConfig: shaped({
    responseModalities: fc.array(fc.constantFrom('TEXT', 'IMAGE'), { maxLength: 2 }),
    candidateCount: fc.integer(),
    imageConfig: shaped({ aspectRatio: fc.string(), imageSize: fc.string() }),
  }),
  candidates: fc.array(shaped({ content: contentLike, finishReason: fc.string(), index: fc.integer() }), {
    maxLength: 2,
  }),
  promptFeedback: shaped({ blockReason: fc.string() }),
  usageMetadata: shaped({ promptTokenCount: fc.integer(), candidatesTokenCount: fc.integer() }),
});
const openAiLike = shaped({
  prompt: fc.string(),
  model: fc.string(),
  n: fc.oneof(fc.integer(), fc.string()),
  size: fc.constantFrom('1024x1024', 'auto', '0x0', '99999x1'),
  images: fc.array(
    shaped({
      image_url: fc.oneof(fc.webUrl(), fc.constant('data:image/png;base64,iVBORw0KGgo=')),
      file_id: fc.string(),
    }),
    { maxLength: 3 },
  ),
  mask: shaped({ image_url: fc.string() }),
  messages: fc.array(
    shaped({
      role: fc.constantFrom('user', 'assistant', 'system', 'developer'),
      content: fc.oneof(
        fc.string(),
        fc.array(
          shaped({
            type: fc.constantFrom('text', 'image_url'),
            text: fc.string(),
            image_url: shaped({ url: fc.string() }),
          }),
          { maxLength: 3 },
        ),
      ),
    }),
    { maxLength: 3 },
  ),
  modalities: fc.array(fc.constantFrom('image', 'text'), { maxLength: 2 }),
});

describe('request translators under random input', () => {
  it('normalizeGeminiRequest and inspectRequest return a request or a GatewayError', () => {
    fc.assert(
      fc.property(fc.oneof(geminiLike, apiLike), (body) => {
        answersOrRefuses(() => {
          const request = normalizeGeminiRequest(structuredClone(body));
          inspectRequest(request);
          summarizeRequest(request, { imageOnly: true, canOutputImage: true });
        });
      }),
      runs,
    );
  });

  it('parseJsonBody refuses any non-JSON text with a 400 whose position stays in range', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((text) => text.slice(0, -1)),
        ),
        (text) => {
          answersOrRefuses(() => parseJsonBody(Buffer.from(text)));
          let message = '';
          try {
            parseJsonBody(Buffer.from(text));
          } catch (error) {
            message = (error as Error).message;
          }
          const position = /at position (\d+)/.exec(message);
          if (!position) return;
          expect(Number(position[1])).toBeLessThanOrEqual(text.length);
        },
      ),
      runs,
    );
  });

  it('OpenAI Images bodies parse and translate or give a GatewayError', () => {
    fc.assert(
      fc.property(fc.oneof(openAiLike, apiLike), (body) => {
        answersOrRefuses(() =>
          imagesRequestToCanonical(parseImagesGenerationsBody(body), [], undefined, capabilities),
        );
        answersOrRefuses(() => {
          const edits = parseImagesEditsBody(body);
          const inputs = jsonEditImagesToInputs(edits);
          return imagesRequestToCanonical(edits, inputs.images, inputs.mask, capabilities);
        });
      }),
      runs,
    );
  });

  it('OpenAI chat bodies parse and translate or give a GatewayError', () => {
    fc.assert(
      fc.property(fc.oneof(openAiLike, apiLike), (body) => {
        answersOrRefuses(() => chatRequestToCanonical(parseChatCompletionsBody(body)));
      }),
      runs,
    );
  });

  it('the engine instruction parser answers every string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }),
          fc.constantFrom('rotate 1e999 degrees', 'resize to 0x0', 'crop to 0:0'),
        ),
        (text) => {
          const parsed = parseInstruction(text);
          expect(['operations', 'not_understood']).toContain(parsed.kind);
        },
      ),
      runs,
    );
  });

  it('image header checks never throw on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'image/gif'),
        (bytes, mime) => {
          const buffer = Buffer.from(bytes);
          readImageDimensions(buffer, mime);
          isTruncatedImage(buffer, mime);
        },
      ),
      runs,
    );
  });
});

describe('upstream answer parsing under random input', () => {
  it('parseGeminiBody and the output normalizers answer or refuse with upstream_bug', () => {
    fc.assert(
      fc.property(fc.oneof(geminiLike, apiLike), (value) => {
        answersOrRefuses(() => {
          const response = parseGeminiBody('fuzz', JSON.stringify(value));
          const split = splitMarkdownDataUrlImages(response);
          for (const url of extractHostedImageUrls(split)) {
            replaceHostedUrlWithInlineData(split, url, { mimeType: 'image/png', data: 'AA==' });
          }
          responseHasImage(split);
          countImages(split);
          classifyResponse(split, true);
        });
      }),
      runs,
    );
  });

  it('the SSE reader accepts any byte chunks without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc
              .constantFrom('data: {}\r\n\r\n', 'data: x\n', '\r', ':\n\n')
              .map((text) => new TextEncoder().encode(text)),
          ),
          { maxLength: 10 },
        ),
        async (chunks) => {
          async function* body() {
            yield* chunks;
          }
          for await (const event of readServerSentEvents(body())) expect(typeof event.data).toBe('string');
        },
      ),
      runs,
    );
  });
});
