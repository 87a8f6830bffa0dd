// The OpenAI Images provider against recorded wire fixtures: a loopback upstream answers with each
// case's recorded body or event stream, and each test checks both directions — the JSON or multipart
// request that went out, and the canonical answer, events or error the provider made of the reply.
import { afterEach, describe, expect, it } from 'vitest';
import { attachOpenAiImageOptions } from '../../../src/canonical/openai-image-options.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../../../src/canonical/types.js';
import { createOpenAiProvider } from '../../../src/providers/openai/index.js';
import type { UpstreamTarget } from '../../../src/providers/types.js';
import { rememberSecrets } from '../../../src/security/known-secrets.js';
import { summarizeAnswer } from '../../helpers/answer-summary.js';
import { readMultipart } from '../../helpers/read-multipart.js';
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
import { GatewayError } from '../../../src/canonical/errors.js';
import { shouldFailOver } from '../../../src/routing/failover-policy.js';
import { caughtFrom, expectCaseError, type WireCase } from '../../helpers/wire-case.js';

const channelKey = 'openai-fixture-channel-key-4711';
rememberSecrets([channelKey]);
const provider = createOpenAiProvider();

let upstream: RecordingUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

function target(model: string): UpstreamTarget {
  return {
    channelName: 'openai',
    baseUrl: upstream?.url ?? '',
    apiKey: channelKey,
    upstreamModel: model,
    options: {},
    signal: AbortSignal.timeout(10_000),
  };
}

/** The case's canonical request, with the OpenAI-only options a door would attach. */
function requestOf(wireCase: WireCase): GenerateContentRequest {
  const request = structuredClone(wireCase.request);
  if (wireCase.openAiOptions) attachOpenAiImageOptions(request, wireCase.openAiOptions);
  return request;
}

function jsonBody(wireCase: WireCase): Buffer {
  return Buffer.from(wireCase.answer.text ?? JSON.stringify(wireCase.answer.body));
}

/** OpenAI's stream bytes: each event named by its type, one `data:` line, a blank line (WIRE.md §9). */
function sseBody(lines: string[]): Buffer {
  return Buffer.from(
    lines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join(''),
  );
}

async function expectOutgoing(
  recorded: RecordedRequest | undefined,
  wireCase: WireCase,
  extraBody: Record<string, unknown> = {},
): Promise<void> {
  expect(recorded).toBeDefined();
  const request = recorded as RecordedRequest;
  const expected = wireCase.expectedRequest;
  expect(request.method).toBe(expected.method);
  expect(request.path).toBe(expected.path);
  expect(request.path).not.toContain(channelKey);
  expect(request.headers.authorization).toBe(`Bearer ${channelKey}`);
  expect(request.headers['content-type']?.split(';')[0]).toBe(expected.contentType);
  if (expected.contentType === 'multipart/form-data') {
    const parts = await readMultipart(request);
    expect(parts.fields).toEqual(expected.fields);
    expect(parts.files).toEqual(expected.files);
    return;
  }
  expect(JSON.parse(request.body.toString('utf8'))).toEqual({
    ...(expected.body as Record<string, unknown>),
    ...extraBody,
  });
}

describe('OpenAI provider, unary replies from recorded fixtures', () => {
  for (const [file, sentence] of [
    ['openai-generate-b64.json', 'sends images/generations JSON and reads b64_json with image-token usage'],
    [
      'openai-edit-multipart.json',
      'sends images/edits as multipart with image[] and mask and reads usage with input image tokens',
    ],
  ] as const) {
    it(`${sentence} (${file})`, async () => {
      const wireCase = readFixture<WireCase>(file);
      upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: jsonBody(wireCase) }));

      const result = await provider.generate(requestOf(wireCase), target(wireCase.model));

      expect(upstream.requests).toHaveLength(1);
      await expectOutgoing(upstream.requests[0], wireCase);
      expect(result.response).toEqual(wireCase.expectedResponse);
      expect(summarizeAnswer(result.response)).toEqual(wireCase.expected);
    });
  }
});

interface HostedImageCase extends WireCase {
  hostedImage: { path: string; mimeType: string; data: string };
}

describe('OpenAI provider, a recorded reply that gives a hosted URL instead of bytes', () => {
  it('fetches the image from the channel host without the key and hands on bytes', async () => {
    const wireCase = readFixture<HostedImageCase>('openai-generate-url.json');
    upstream = await startRecordingUpstream((request) =>
      request.method === 'GET'
        ? {
            status: request.path === wireCase.hostedImage.path ? 200 : 404,
            headers: { 'content-type': wireCase.hostedImage.mimeType },
            body: Buffer.from(wireCase.hostedImage.data, 'base64'),
          }
        : {
            ...wireCase.answer,
            body: Buffer.from(
              JSON.stringify(wireCase.answer.body).replaceAll('{upstream}', upstream?.url ?? ''),
            ),
          },
    );

    // A router's base URL that already ends in /v1 is not doubled.
    const result = await provider.generate(requestOf(wireCase), {
      ...target(wireCase.model),
      baseUrl: `${upstream.url}/v1`,
    });

    expect(upstream.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST ${wireCase.expectedRequest.path}`,
      `GET ${wireCase.hostedImage.path}`,
    ]);
    await expectOutgoing(upstream.requests[0], wireCase);
    // The image host is told nothing of the channel's credentials.
    expect(upstream.requests[1].headers.authorization).toBeUndefined();
    expect(JSON.stringify(upstream.requests[1].headers)).not.toContain(channelKey);
    expect(result.response).toEqual(wireCase.expectedResponse);
    expect(summarizeAnswer(result.response)).toEqual(wireCase.expected);
  });
});

describe('OpenAI provider, a reply whose hosted URL the gateway refuses to fetch', () => {
  it('fails the route (502, fails over), never the caller with a 400', async () => {
    const wireCase = readFixture<HostedImageCase>('openai-generate-url.json');
    upstream = await startRecordingUpstream(() => ({
      ...wireCase.answer,
      // A private address that is not the channel's own host, as a hostile upstream might name.
      body: Buffer.from(
        JSON.stringify(wireCase.answer.body).replaceAll('{upstream}', 'http://10.20.30.40:8080'),
      ),
    }));

    const failure = await caughtFrom(provider.generate(requestOf(wireCase), target(wireCase.model)));

    expect(failure).toBeInstanceOf(GatewayError);
    const error = failure as GatewayError;
    expect(error.errorClass).toBe('upstream_bug');
    expect(error.httpStatus).toBe(502);
    expect(shouldFailOver(error)).toBe(true);
    expect(error.message).not.toContain('10.20.30.40');
    // Nothing was fetched from the named host: the only request is the generation call.
    expect(upstream.requests.map((request) => request.method)).toEqual(['POST']);
  });
});

async function collect(
  events: AsyncIterable<{ response: GenerateContentResponse }>,
  into: GenerateContentResponse[],
): Promise<void> {
  for await (const event of events) into.push(event.response);
}

/** Each event's image bytes are the ones the upstream sent for it, though they arrived cut in two. */
function expectImagesAsSent(responses: GenerateContentResponse[], lines: string[]): void {
  for (const [index, response] of responses.entries()) {
    const sent = (JSON.parse(lines[index]) as { b64_json: string }).b64_json;
    expect(response.candidates?.[0].content?.parts?.[0].inlineData?.data).toBe(sent);
  }
}

describe('OpenAI provider, recorded streams split at hostile byte boundaries', () => {
  it('turns partial_image events into thought images and completed into the image with usage', async () => {
    const wireCase = readFixture<WireCase>('openai-stream-partial-images.json');
    const lines = readChunkLines('openai-stream-partial-images.chunks.txt');
    const bytes = sseBody(lines);
    const secondEvent = bytes.indexOf('event:', 1);
    const chunks = splitAt(bytes, [
      4, // inside the first `event` field name
      insideImageString(bytes), // the first partial image's base64, cut in its middle
      secondEvent - 1, // between the two LFs that end the first event
      secondEvent + insideImageString(bytes.subarray(secondEvent)),
      bytes.lastIndexOf('"usage"') + 3,
    ]);
    expect(chunks.length).toBe(6);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks,
    }));

    const responses: GenerateContentResponse[] = [];
    await collect(await provider.stream(requestOf(wireCase), target(wireCase.model)), responses);

    await expectOutgoing(upstream.requests[0], wireCase);
    expect(responses.map(summarizeAnswer)).toEqual(wireCase.expected?.events);
    expectImagesAsSent(responses, lines);
    expect(responses.every((response) => response.modelVersion === wireCase.model)).toBe(true);
  });

  it('hands on the partial image, then fails with a safety error on an in-stream moderation block', async () => {
    const wireCase = readFixture<WireCase>('openai-stream-edit-moderated.json');
    const lines = readChunkLines('openai-stream-edit-moderated.chunks.txt');
    const bytes = sseBody(lines);
    const chunks = splitAt(bytes, [insideImageString(bytes), insideMultiByteCharacter(bytes)]);
    expect(chunks.length).toBe(3);
    upstream = await startRecordingUpstream(() => ({
      status: 200,
      headers: wireCase.answer.headers,
      chunks,
    }));

    const responses: GenerateContentResponse[] = [];
    const error = await caughtFrom(
      (async () => collect(await provider.stream(requestOf(wireCase), target(wireCase.model)), responses))(),
    );

    await expectOutgoing(upstream.requests[0], wireCase);
    expect(responses.map(summarizeAnswer)).toEqual(wireCase.expected?.events);
    expectImagesAsSent(responses, lines);
    expectCaseError(error, wireCase);
  });
});

describe('OpenAI provider, recorded error envelopes', () => {
  for (const name of [
    '400-invalid-value',
    '400-moderation',
    '401-invalid-key',
    '404-model-not-found',
    '429-rate-limit',
    '429-quota',
    '500-server-error',
    '503-html',
  ]) {
    const file = `openai-error-${name}.json`;

    it(`turns a ${name} reply to images/generations into the gateway's error, scrubbed (${file})`, async () => {
      const wireCase = readFixture<WireCase>(file);
      upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: jsonBody(wireCase) }));

      const error = await caughtFrom(provider.generate(requestOf(wireCase), target(wireCase.model)));

      await expectOutgoing(upstream.requests[0], wireCase);
      expectCaseError(error, wireCase);
    });

    it(`turns a ${name} reply to a stream request into the same error`, async () => {
      const wireCase = readFixture<WireCase>(file);
      upstream = await startRecordingUpstream(() => ({ ...wireCase.answer, body: jsonBody(wireCase) }));

      const error = await caughtFrom(provider.stream(requestOf(wireCase), target(wireCase.model)));

      await expectOutgoing(upstream.requests[0], wireCase, { stream: true });
      expectCaseError(error, wireCase);
    });
  }
});
