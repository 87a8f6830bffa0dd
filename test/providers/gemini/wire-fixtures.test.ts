// The Gemini provider against recorded wire fixtures: a loopback upstream answers with each case's
// recorded body or stream, and each test checks both directions — what went out (method, path,
// auth headers, JSON body) and what the provider made of the answer.
import { afterEach, describe, expect, it } from 'vitest';
import { largeJsonBytes } from '../../../src/canonical/find-image-strings.js';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import { createGeminiProvider } from '../../../src/providers/gemini/index.js';
import type { UpstreamEvent, UpstreamTarget } from '../../../src/providers/types.js';
import { rememberSecrets } from '../../../src/security/known-secrets.js';
import { summarizeAnswer } from '../../helpers/answer-summary.js';
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

const channelKey = 'gemini-fixture-channel-key-4711';
rememberSecrets([channelKey]);
const provider = createGeminiProvider();

let upstream: RecordingUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

function target(model: string, options: Record<string, unknown> = {}): UpstreamTarget {
  return {
    channelName: 'google',
    baseUrl: upstream?.url ?? '',
    apiKey: channelKey,
    upstreamModel: model,
    options,
    signal: AbortSignal.timeout(10_000),
  };
}

/** Google's unary bytes: pretty JSON, two-space indent, a final newline (WIRE.md §2). */
function prettyBody(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

/** Google's stream bytes: one `data:` line per event, each ended by CRLF CRLF (WIRE.md §3). */
function sseBody(lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `data: ${line}\r\n\r\n`).join(''));
}

function expectOutgoing(recorded: RecordedRequest | undefined, wireCase: WireCase, path?: string): void {
  expect(recorded).toBeDefined();
  const request = recorded as RecordedRequest;
  expect(request.method).toBe(wireCase.expectedRequest.method);
  expect(request.path).toBe(path ?? wireCase.expectedRequest.path);
  // The key travels in its header only: never in the URL, where logs and proxies keep it.
  expect(request.path).not.toContain(channelKey);
  expect(request.path).not.toMatch(/[?&]key=/);
  expect(request.headers['x-goog-api-key']).toBe(channelKey);
  expect(request.headers.authorization).toBeUndefined();
  expect(request.headers['content-type']).toBe('application/json');
  expect(JSON.parse(request.body.toString('utf8'))).toEqual(wireCase.expectedRequest.body);
}

describe('Gemini provider, unary answers from recorded fixtures', () => {
  for (const [file, sentence] of [
    ['gemini-generate-text-image.json', 'reads a text part and a PNG with its IMAGE usage'],
    ['gemini-edit-input-image.json', 'sends the input image inline and reads the edited image'],
    ['gemini-safety-block.json', 'hands on a blocked prompt (promptFeedback, no candidates) as it came'],
    ['gemini-no-image.json', 'hands on a text-only answer that finished with NO_IMAGE'],
    [
      'gemini-thought-signatures.json',
      'sends earlier thoughtSignatures unchanged and keeps thought parts and signatures in the answer',
    ],
  ] as const) {
    it(`${sentence} (${file})`, async () => {
      const wireCase = readFixture<WireCase>(file);
      const served = prettyBody(wireCase.answer.body);
      upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: served }));

      const result = await provider.generate(wireCase.request, target(wireCase.model));

      expect(upstream.requests).toHaveLength(1);
      expectOutgoing(upstream.requests[0], wireCase);
      // The canonical answer is Gemini's wire shape: nothing is lost or added on the way in.
      expect(result.response).toEqual(wireCase.answer.body);
      expect(summarizeAnswer(result.response)).toEqual(wireCase.expected);
      expect(result.rawBody?.equals(served)).toBe(true);
    });
  }

  it("sends the client's own JSON bytes unchanged when they are the canonical request", async () => {
    const wireCase = readFixture<WireCase>('gemini-edit-input-image.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));
    const clientBytes = Buffer.from(JSON.stringify(wireCase.request, null, 1));

    await provider.generate(wireCase.request, { ...target(wireCase.model), rawRequestBody: clientBytes });

    expect(upstream.requests[0].body.equals(clientBytes)).toBe(true);
    expectOutgoing(upstream.requests[0], wireCase);
  });

  it('sends the key as a bearer token, not in the URL, on a channel whose authStyle says so', async () => {
    const wireCase = readFixture<WireCase>('gemini-generate-text-image.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      body: prettyBody(wireCase.answer.body),
    }));

    await provider.generate(wireCase.request, target(wireCase.model, { authStyle: 'bearer' }));

    const [request] = upstream.requests;
    expect(request.path).toBe(wireCase.expectedRequest.path);
    expect(request.headers.authorization).toBe(`Bearer ${channelKey}`);
    expect(request.headers['x-goog-api-key']).toBeUndefined();
  });
});

describe('Gemini provider, a recorded stream split at hostile byte boundaries', () => {
  it('parses every event whole though the chunks cut a CRLF, a multi-byte character and the image', async () => {
    const wireCase = readFixture<WireCase>('gemini-stream-image.json');
    const lines = readChunkLines('gemini-stream-image.chunks.txt');
    const bytes = sseBody(lines);
    const firstEventEnd = bytes.indexOf('\r\n\r\n');
    const chunks = splitAt(bytes, [
      3, // inside the first `data:` field name
      insideMultiByteCharacter(bytes), // between the bytes of the é in "carré"
      firstEventEnd + 1, // between the CR and LF of the first line end
      firstEventEnd + 3, // between the CR and LF of the blank line that ends the event
      insideImageString(bytes), // in the middle of the image's base64
      bytes.lastIndexOf('✨') + 2, // the last ✨ cut after its second byte
      bytes.length - 1, // the last LF alone
    ]);
    expect(chunks.length).toBeGreaterThanOrEqual(7);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks,
    }));

    const events: UpstreamEvent[] = [];
    for await (const event of await provider.stream(wireCase.request, target(wireCase.model))) {
      events.push(event);
    }

    expectOutgoing(upstream.requests[0], wireCase);
    expect(events.map((event) => event.response)).toEqual(lines.map((line) => JSON.parse(line)));
    expect(events.map((event) => summarizeAnswer(event.response))).toEqual(wireCase.expected?.events);
    // Native upstreams' events are relayed as the exact bytes they sent.
    for (const [index, event] of events.entries()) {
      expect(Buffer.concat(event.rawJson ?? []).toString('utf8')).toBe(lines[index]);
    }
    const text = events
      .flatMap((event) => event.response.candidates?.[0].content?.parts ?? [])
      .map((part) => part.text ?? '')
      .join('');
    expect(text).toBe('Voici un carré bleu semé d’étoiles ✨ <petit>Terminé.');
  });

  it('fails the stream when it ends before any event carries a finishReason', async () => {
    const wireCase = readFixture<WireCase>('gemini-stream-image.json');
    const lines = readChunkLines('gemini-stream-image.chunks.txt').slice(0, -1);
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

    expect(seen).toHaveLength(lines.length);
    expect(error).toMatchObject({ errorClass: 'upstream_bug', httpStatus: 502 });
    expect((error as Error).message).toContain('the stream ended before a finishReason');
  });
});

describe('Gemini provider, recorded streams that end without an image', () => {
  async function replay(name: string) {
    const wireCase = readFixture<WireCase>(`${name}.json`);
    const lines = readChunkLines(`${name}.chunks.txt`);
    const bytes = sseBody(lines);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks: splitAt(bytes, [5, Math.floor(bytes.length / 2), bytes.indexOf('\r\n\r\n') + 2]),
    }));
    const responses: GenerateContentResponse[] = [];
    const outcome = await (async () => {
      for await (const event of await provider.stream(wireCase.request, target(wireCase.model))) {
        responses.push(event.response);
      }
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expectOutgoing(upstream.requests[0], wireCase);
    expect(responses.map(summarizeAnswer)).toEqual(wireCase.expected?.events);
    return { wireCase, outcome };
  }

  it('ends a stream whose one event is a blocked prompt, without an error', async () => {
    const { outcome } = await replay('gemini-stream-safety-block');
    expect(outcome).toBeUndefined();
  });

  it('hands on the events before an in-stream error object, then fails in its own words', async () => {
    const { wireCase, outcome } = await replay('gemini-stream-error-event');
    expectCaseError(outcome, wireCase);
  });
});

describe('Gemini provider, recorded error envelopes', () => {
  for (const status of [400, 403, 404, 429, 500, 503]) {
    const file = `gemini-error-${status}.json`;

    it(`turns a ${status} answer to generateContent into the gateway's error, scrubbed (${file})`, async () => {
      const wireCase = readFixture<WireCase>(file);
      upstream = await startRecordingUpstream(() => ({
        ...wireCase.answer,
        body: prettyBody(wireCase.answer.body),
      }));

      const error = await caughtFrom(provider.generate(wireCase.request, target(wireCase.model)));

      expectOutgoing(upstream.requests[0], wireCase);
      expectCaseError(error, wireCase);
    });

    it(`turns a ${status} answer to a stream request (typed text/event-stream) into the same error`, async () => {
      const wireCase = readFixture<WireCase>(file);
      upstream = await startRecordingUpstream(() => ({
        ...wireCase.answer,
        headers: { ...wireCase.answer.headers, 'content-type': 'text/event-stream' },
        body: prettyBody(wireCase.answer.body),
      }));

      const error = await caughtFrom(provider.stream(wireCase.request, target(wireCase.model)));

      const streamPath = wireCase.expectedRequest.path.replace(
        ':generateContent',
        ':streamGenerateContent?alt=sse',
      );
      expectOutgoing(upstream.requests[0], wireCase, streamPath);
      expectCaseError(error, wireCase);
    });
  }
});

describe('Gemini provider, recorded answers whose image is past the large-JSON threshold', () => {
  /** The case with its image swapped for 200x200 of noise: about 160 KB of base64. */
  async function withLargeImage(file: string): Promise<{ wireCase: WireCase; image: string }> {
    const wireCase = readFixture<WireCase>(file);
    const image = (await noisePng(200, 200)).toString('base64');
    expect(image.length).toBeGreaterThan(2 * largeJsonBytes);
    const text = JSON.stringify(wireCase.answer.body).replace(/iVBOR[A-Za-z0-9+/=]+/, image);
    return { wireCase: { ...wireCase, answer: { ...wireCase.answer, body: JSON.parse(text) } }, image };
  }

  it('reads a large unary answer to the same canonical answer, image bytes intact', async () => {
    const { wireCase, image } = await withLargeImage('gemini-generate-text-image.json');
    const served = prettyBody(wireCase.answer.body);
    upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: served }));

    const result = await provider.generate(wireCase.request, target(wireCase.model));

    expectOutgoing(upstream.requests[0], wireCase);
    expect(JSON.parse(JSON.stringify(result.response))).toEqual(wireCase.answer.body);
    expect(result.response.candidates?.[0].content?.parts?.[1].inlineData?.data).toBe(image);
    expect(summarizeAnswer(result.response)).toEqual({
      ...wireCase.expected,
      candidates: [
        {
          index: 0,
          finishReason: 'STOP',
          parts: [wireCase.expected?.candidates?.[0].parts[0], { image: 'image/png 200x200' }],
        },
      ],
    });
    expect(result.rawBody?.equals(served)).toBe(true);
  });

  it('reads a large image event that arrives in many chunks, cut inside its base64', async () => {
    const wireCase = readFixture<WireCase>('gemini-stream-image.json');
    const image = (await noisePng(200, 200)).toString('base64');
    const lines = readChunkLines('gemini-stream-image.chunks.txt').map((line) =>
      line.replace(/iVBOR[A-Za-z0-9+/=]+/, image),
    );
    const bytes = sseBody(lines);
    const offsets = [insideMultiByteCharacter(bytes), insideImageString(bytes)];
    for (let offset = 1000; offset < bytes.length; offset += 16 * 1024 + 7) offsets.push(offset);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks: splitAt(bytes, offsets),
    }));

    const events: UpstreamEvent[] = [];
    for await (const event of await provider.stream(wireCase.request, target(wireCase.model))) {
      events.push(event);
    }

    expect(events.map((event) => JSON.parse(JSON.stringify(event.response)))).toEqual(
      lines.map((line) => JSON.parse(line)),
    );
    expect(events[2].response.candidates?.[0].content?.parts?.[0].inlineData?.data).toBe(image);
    for (const [index, event] of events.entries()) {
      expect(Buffer.concat(event.rawJson ?? []).toString('utf8')).toBe(lines[index]);
    }
  });
});
