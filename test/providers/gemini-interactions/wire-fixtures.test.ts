// The Interactions provider against recorded wire fixtures: a loopback upstream answers with each
// case's Interaction, event stream or error envelope, and each test checks both directions — what
// went out (method, path, key header, JSON body) and the canonical answer or error it became.
import { afterEach, describe, expect, it } from 'vitest';
import { largeJsonBytes } from '../../../src/canonical/find-image-strings.js';
import { parseSkippingImageStrings } from '../../../src/canonical/skip-image-strings.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../../src/canonical/types.js';
import { createGeminiInteractionsProvider } from '../../../src/providers/gemini-interactions/index.js';
import type { UpstreamTarget } from '../../../src/providers/types.js';
import { rememberSecrets } from '../../../src/security/known-secrets.js';
import { noisePng } from '../../helpers/noise-png.js';
import {
  insideImageString,
  insideMultiByteCharacter,
  type RecordedRequest,
  type RecordingUpstream,
  readChunkLines,
  readFixture,
  splitAt,
  startRecordingUpstream,
} from '../../helpers/recording-upstream.js';
import { caughtFrom, expectCaseError, type WireCase } from '../../helpers/wire-case.js';

const channelKey = 'interactions-fixture-channel-key-0815';
rememberSecrets([channelKey]);
const provider = createGeminiInteractionsProvider();

let upstream: RecordingUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

function target(model: string, options: Record<string, unknown> = {}): UpstreamTarget {
  return {
    channelName: 'interactions',
    baseUrl: upstream?.url ?? '',
    apiKey: channelKey,
    upstreamModel: model,
    options,
    signal: AbortSignal.timeout(10_000),
  };
}

function prettyBody(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

/** The stream as Google frames it: `event:` and `data:` lines ended by CRLF, then `[DONE]`. */
function sseBody(lines: string[]): Buffer {
  const frames = lines.map((line) => `event: ${JSON.parse(line).event_type}\r\ndata: ${line}\r\n\r\n`);
  return Buffer.from(`${frames.join('')}event: done\r\ndata: [DONE]\r\n\r\n`);
}

function expectOutgoing(recorded: RecordedRequest | undefined, wireCase: WireCase, accept: string): void {
  expect(recorded).toBeDefined();
  const request = recorded as RecordedRequest;
  expect(request.method).toBe(wireCase.expectedRequest.method);
  expect(request.path).toBe(wireCase.expectedRequest.path);
  // The key travels in its header only: never in the URL, where logs and proxies keep it.
  expect(request.path).not.toContain(channelKey);
  expect(request.headers['x-goog-api-key']).toBe(channelKey);
  expect(request.headers.authorization).toBeUndefined();
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers.accept).toBe(accept);
  expect(JSON.parse(request.body.toString('utf8'))).toEqual(wireCase.expectedRequest.body);
}

async function collect(iterable: AsyncIterable<{ response: GenerateContentResponse }>) {
  const responses: GenerateContentResponse[] = [];
  for await (const event of iterable) responses.push(event.response);
  return responses;
}

describe('Interactions provider, a recorded unary answer', () => {
  it('sends the conversation as steps with store false and reads thoughts, text, image and usage back', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    const result = await provider.generate(wireCase.request, target(wireCase.model));

    expect(upstream.requests).toHaveLength(1);
    expectOutgoing(upstream.requests[0], wireCase, 'application/json');
    expect(JSON.parse(JSON.stringify(result.response))).toEqual(wireCase.expectedResponse);
    // The bytes are an Interaction: a door must never relay them as a Gemini answer.
    expect(result.rawBody).toBeUndefined();
  });

  it('sends the key as a bearer token on a channel whose authStyle says so, still not in the URL', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    await provider.generate(wireCase.request, target(wireCase.model, { authStyle: 'bearer' }));

    const [request] = upstream.requests;
    expect(request.path).toBe('/v1beta/interactions');
    expect(request.headers.authorization).toBe(`Bearer ${channelKey}`);
    expect(request.headers['x-goog-api-key']).toBeUndefined();
  });

  it('keeps a path prefix of the base URL, as the SDK does for routers', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    await provider.generate(wireCase.request, {
      ...target(wireCase.model),
      baseUrl: `${upstream.url}/google/`,
    });

    expect(upstream.requests[0].path).toBe('/google/v1beta/interactions');
  });

  it('reads a failed interaction by its errors[] code: a RESOURCE_EXHAUSTED code rests the key', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    const failed = {
      id: 'v1_failed',
      status: 'failed',
      errors: [{ code: 'RESOURCE_EXHAUSTED', message: `quota gone for ${channelKey}` }],
    };
    upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: prettyBody(failed) }));

    const error = await caughtFrom(provider.generate(wireCase.request, target(wireCase.model)));

    expectCaseError(error, {
      ...wireCase,
      expectedError: { errorClass: 'quota', httpStatus: 429 },
      mustNotContain: [channelKey],
    });
  });

  it('reads a failed interaction whose code names a safety block as a SAFETY finish', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    const failed = {
      id: 'v1_blocked',
      status: 'failed',
      errors: [{ code: 'PROHIBITED_CONTENT', message: 'no' }],
    };
    upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: prettyBody(failed) }));

    const result = await provider.generate(wireCase.request, target(wireCase.model));

    expect(result.response.candidates?.[0]).toMatchObject({ finishReason: 'SAFETY', content: { parts: [] } });
  });

  it('reads an incomplete interaction as MAX_TOKENS and an HTML page as a malformed answer', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    const incomplete = { ...(wireCase.answer.body as object), status: 'incomplete' };
    let html = false;
    upstream = await startRecordingUpstream(() =>
      html
        ? { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html>proxy</html>') }
        : { ...wireCase.answer, body: prettyBody(incomplete) },
    );

    const result = await provider.generate(wireCase.request, target(wireCase.model));
    html = true;
    const error = await caughtFrom(provider.generate(wireCase.request, target(wireCase.model)));

    expect(result.response.candidates?.[0].finishReason).toBe('MAX_TOKENS');
    expect(error).toMatchObject({ errorClass: 'upstream_bug', httpStatus: 502 });
    expect((error as Error).message).toContain('an HTML page');
  });
});

describe('Interactions provider, a recorded stream split at hostile byte boundaries', () => {
  it('turns step deltas into one event each, cut inside a CRLF, a multi-byte character and the image', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-stream.json');
    const lines = readChunkLines('gemini-interactions-stream.chunks.txt');
    const bytes = sseBody(lines);
    const firstEventEnd = bytes.indexOf('\r\n\r\n');
    const chunks = splitAt(bytes, [
      3,
      insideMultiByteCharacter(bytes),
      firstEventEnd + 1, // between CR and LF
      firstEventEnd + 3, // between the CR and LF of the blank line
      insideImageString(bytes),
      bytes.lastIndexOf('✨') + 2,
      bytes.length - 1,
    ]);
    expect(chunks.length).toBeGreaterThanOrEqual(7);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks,
    }));

    const responses = await collect(await provider.stream(wireCase.request, target(wireCase.model)));

    expectOutgoing(upstream.requests[0], wireCase, 'text/event-stream');
    expect(JSON.parse(JSON.stringify(responses))).toEqual(wireCase.expectedResponse);
  });

  it('fails the stream when it ends before interaction.completed', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-stream.json');
    const lines = readChunkLines('gemini-interactions-stream.chunks.txt').slice(0, -1);
    const frames = lines.map((line) => `data: ${line}\n\n`).join('');
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks: [Buffer.from(frames)],
    }));

    const seen: GenerateContentResponse[] = [];
    const error = await caughtFrom(
      (async () => {
        for await (const event of await provider.stream(wireCase.request, target(wireCase.model))) {
          seen.push(event.response);
        }
      })(),
    );

    expect(seen).toHaveLength(3);
    expect(error).toMatchObject({ errorClass: 'upstream_bug', httpStatus: 502 });
    expect((error as Error).message).toContain('before interaction.completed');
  });

  it('hands on the events before an error event, then fails by its code without the upstream words', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-stream.json');
    const lines = readChunkLines('gemini-interactions-stream.chunks.txt').slice(0, 6);
    lines.push(
      JSON.stringify({
        event_type: 'error',
        error: { code: 'UNAVAILABLE', message: `overloaded, key ${channelKey}` },
      }),
    );
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks: [sseBody(lines)],
    }));

    const seen: GenerateContentResponse[] = [];
    const error = await caughtFrom(
      (async () => {
        for await (const event of await provider.stream(wireCase.request, target(wireCase.model))) {
          seen.push(event.response);
        }
      })(),
    );

    expect(seen).toHaveLength(1);
    expectCaseError(error, {
      ...wireCase,
      expectedError: { errorClass: 'overloaded', httpStatus: 503 },
      mustNotContain: [channelKey],
    });
    expect((error as Error).message).not.toContain('overloaded, key');
  });

  it('refuses an answer to a stream request that is not text/event-stream', async () => {
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    const error = await caughtFrom(provider.stream(wireCase.request, target(wireCase.model)));

    expect(error).toMatchObject({ errorClass: 'upstream_bug', httpStatus: 502 });
  });
});

describe('Interactions provider, recorded error envelopes with hostile text', () => {
  const cases = readFixture<WireCase[]>('gemini-interactions-errors.json');
  for (const wireCase of cases) {
    const status = wireCase.answer.status;

    it(`turns a ${status} answer into the gateway's error, scrubbed: ${wireCase.description}`, async () => {
      upstream = await startRecordingUpstream(() => ({
        ...wireCase.answer,
        body: prettyBody(wireCase.answer.body),
      }));

      const error = await caughtFrom(provider.generate(wireCase.request, target(wireCase.model)));

      expectOutgoing(upstream.requests[0], wireCase, 'application/json');
      expectCaseError(error, wireCase);
    });

    it(`turns a ${status} answer to a stream request into the same error`, async () => {
      upstream = await startRecordingUpstream(() => ({
        ...wireCase.answer,
        body: prettyBody(wireCase.answer.body),
      }));

      const error = await caughtFrom(provider.stream(wireCase.request, target(wireCase.model)));

      expect(JSON.parse(upstream.requests[0].body.toString('utf8'))).toMatchObject({ stream: true });
      expectCaseError(error, wireCase);
    });
  }
});

describe('Interactions provider, requests it cannot translate', () => {
  for (const [sentence, request, param] of [
    [
      'refuses candidateCount above 1 with a 400 naming it',
      { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { candidateCount: 2 } },
      'generationConfig.candidateCount',
    ],
    [
      'refuses a generationConfig key with no Interactions equivalent with a 400 naming it',
      { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { topK: 40 } },
      'generationConfig.topK',
    ],
    [
      'refuses a function call part with a 400 naming it',
      { contents: [{ parts: [{ functionCall: { name: 'f' } }] }] },
      'contents[0].parts[0].functionCall',
    ],
  ] as Array<[string, GenerateContentRequest, string]>) {
    it(`${sentence}, before any call upstream`, async () => {
      upstream = await startRecordingUpstream(() => ({ status: 500 }));

      const error = await caughtFrom(provider.generate(request, target('gemini-3.1-flash-image')));

      expect(error).toMatchObject({ errorClass: 'bad_request', httpStatus: 400, param });
      expect(upstream.requests).toHaveLength(0);
    });
  }
});

describe('Interactions provider, answers whose image is past the large-JSON threshold', () => {
  it('reads a large Interaction and a large image delta cut in many chunks, image bytes intact', async () => {
    const image = (await noisePng(200, 200)).toString('base64');
    expect(image.length).toBeGreaterThan(2 * largeJsonBytes);
    const unary = readFixture<WireCase>('gemini-interactions-edit.json');
    const unaryBody = JSON.parse(JSON.stringify(unary.answer.body).replace(/iVBOR[A-Za-z0-9+/=]+/, image));
    const streamCase = readFixture<WireCase>('gemini-interactions-stream.json');
    const lines = readChunkLines('gemini-interactions-stream.chunks.txt').map((line) =>
      line.replace(/iVBOR[A-Za-z0-9+/=]+/, image),
    );
    const bytes = sseBody(lines);
    const offsets = [insideImageString(bytes)];
    for (let offset = 1000; offset < bytes.length; offset += 16 * 1024 + 7) offsets.push(offset);
    upstream = await startRecordingUpstream((request) =>
      request.body.includes('"stream":true')
        ? { status: 200, headers: streamCase.answer.headers, chunks: splitAt(bytes, offsets) }
        : { ...unary.answer, body: prettyBody(unaryBody) },
    );

    const whole = await provider.generate(unary.request, target(unary.model));
    const streamed = await collect(await provider.stream(streamCase.request, target(streamCase.model)));

    expect(whole.response.candidates?.[0].content?.parts?.[2].inlineData?.data).toBe(image);
    expect(streamed[2].candidates?.[0].content?.parts?.[0].inlineData?.data).toBe(image);
    expect(streamed[3].usageMetadata?.totalTokenCount).toBe(1600);
  });
});

describe('Interactions provider, a large input image read lazily from the client', () => {
  it('writes the image from the bytes it was read from, into the image block of its step', async () => {
    const image = (await noisePng(200, 200)).toString('base64');
    const wireCase = readFixture<WireCase>('gemini-interactions-edit.json');
    const clientBytes = Buffer.from(
      JSON.stringify({
        contents: [
          { role: 'user', parts: [{ text: 'blue' }, { inlineData: { mimeType: 'image/png', data: image } }] },
        ],
      }),
    );
    const request = parseSkippingImageStrings(clientBytes) as GenerateContentRequest;
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    await provider.generate(request, target(wireCase.model));

    expect(JSON.parse(upstream.requests[0].body.toString('utf8')).input).toEqual([
      {
        type: 'user_input',
        content: [
          { type: 'text', text: 'blue' },
          { type: 'image', mime_type: 'image/png', data: image },
        ],
      },
    ]);
  });
});
