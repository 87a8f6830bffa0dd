// A large answer is sent on to the client while it still arrives from the upstream, once its head
// shows an image (src/server/answer-relay.ts): the client's first bytes come before the upstream has
// finished; the bill is still settled before the last bytes; a route that breaks off after that point
// cannot be replaced, so the client's connection is closed and nothing is charged.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionFromCanonical } from '../../src/doors/openai-chat/from-canonical.js';
import { billingTotals } from '../helpers/billing-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image-preview';
// A PNG signature, then noise: 1.5 MB of base64 in the answer.
const image = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(1_100_000)]);
const answer = Buffer.from(
  JSON.stringify({
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ inlineData: { mimeType: 'image/png', data: image.toString('base64') } }],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 1290, totalTokenCount: 1310 },
  }),
);
const head = 300_000; // well past the 64 KiB of image the gateway waits for

// The chat door's answer: text around the image and a second, small image after it.
const smallImage = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(3_000)]);
const chatAnswerObject = {
  candidates: [
    {
      content: {
        role: 'model',
        parts: [
          { text: 'Here is the edit: ' },
          { inlineData: { mimeType: 'image/png', data: image.toString('base64') } },
          { text: 'and a thumbnail.' },
          { inlineData: { mimeType: 'image/png', data: smallImage.toString('base64') } },
        ],
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 2580, totalTokenCount: 2600 },
};
const chatAnswer = Buffer.from(JSON.stringify(chatAnswerObject));

type Behaviour = 'pause' | 'break' | 'whole';
interface PacedUpstream {
  url: string;
  server: Server;
  requests: number;
  behaviour: Behaviour;
  /** What it answers (the Gemini door tests' answer unless a test sets another). */
  answer: Buffer;
  /** Resolves the current paused answer. */
  release: () => void;
}

/** An upstream that sends the head of its answer, then waits (pause), breaks off (break) or not (whole). */
async function startPacedUpstream(): Promise<PacedUpstream> {
  const upstream: PacedUpstream = {
    url: '',
    server: createServer(),
    requests: 0,
    behaviour: 'whole',
    answer,
    release: () => {},
  };
  upstream.server.on('request', (request, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      upstream.requests += 1;
      const body = upstream.answer;
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      if (upstream.behaviour === 'whole') return response.end(body);
      response.write(body.subarray(0, head));
      if (upstream.behaviour === 'break') return setTimeout(() => response.socket?.destroy(), 100);
      upstream.release = () => response.end(body.subarray(head));
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  return upstream;
}

let first: PacedUpstream;
let second: PacedUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  first = await startPacedUpstream();
  second = await startPacedUpstream();
  const channel = (name: string, url: string, priority: number) => `  - name: ${name}
    provider: gemini-compatible
    baseUrl: ${url}
    apiKeys: [key-${name}]
    models: [${model}]
    priority: ${priority}
`;
  gateway = await startTestGateway({
    configYaml: `channels:\n${channel('first', first.url, 2)}${channel('second', second.url, 1)}retest:\n  enabled: false\n`,
  });
});
afterAll(async () => {
  await gateway.close();
  first.server.close();
  second.server.close();
});

function edit(requestId: string, generationConfig: Record<string, unknown> = {}) {
  return undiciRequest(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key, 'x-request-id': requestId },
    body: JSON.stringify({
      contents: [{ role: 'user', parts: [{ text: 'a red square' }] }],
      generationConfig,
    }),
  });
}

async function logRow(requestId: string) {
  return gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirst();
}

/** A relayed answer that ended whole: logged 200 with its images, and charged. */
async function expectCharged(requestId: string, imagesOut: number) {
  const row = await logRow(requestId);
  expect(row?.status).toBe(200);
  expect(Number(row?.charged_micros)).toBeGreaterThan(0);
  expect(row?.images_out).toBe(imagesOut);
}

/** The first route breaks off after its answer began: no other route may take over. */
async function expectBreakOffNotReplaced(send: () => Promise<Dispatcher.ResponseData>, requestId: string) {
  first.behaviour = 'break';
  const secondBefore = second.requests;
  await expectCutShort(await send(), requestId, 'connection');
  expect(second.requests).toBe(secondBefore);
}

/**
 * An answer that began and was then cut short: the client saw a 200 whose body breaks off, the
 * request is logged as a 502 of `errorClass`, nothing is charged and no hold stays open.
 */
async function expectCutShort(response: Dispatcher.ResponseData, requestId: string, errorClass: string) {
  expect(response.statusCode).toBe(200);
  await expect(response.body.arrayBuffer()).rejects.toThrow();
  await expect.poll(async () => (await logRow(requestId))?.status).toBe(502);
  const row = await logRow(requestId);
  expect(row?.error_class).toBe(errorClass);
  expect(Number(row?.charged_micros)).toBe(0);
  expect((await billingTotals(gateway.running.gateway.database)).openHolds).toBe(0);
}

describe('relaying a large answer while it arrives', () => {
  it('sends the answer head before the upstream has finished, then the rest after the settle', async () => {
    first.behaviour = 'pause';
    const response = await edit('relay-pause');
    // The status and the first bytes are here while the upstream still holds the rest back.
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBe(answer.length);
    expect(response.headers['x-imagegate-channel']).toBe('first');
    expect(response.headers['x-request-id']).toBe('relay-pause');
    const chunks: Buffer[] = [];
    const iterator = response.body[Symbol.asyncIterator]();
    const firstChunk = await iterator.next();
    chunks.push(firstChunk.value as Buffer);
    expect(await logRow('relay-pause')).toBeUndefined(); // not settled yet: the answer is not whole
    first.release();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
    expect(Buffer.concat(chunks).equals(answer)).toBe(true);
    await expectCharged('relay-pause', 1);
  });

  it('closes the connection when the route breaks off after the answer began, and charges nothing', async () => {
    await expectBreakOffNotReplaced(() => edit('relay-break'), 'relay-break');
  });

  it('reads the whole answer first when thoughts were asked for', async () => {
    first.behaviour = 'pause';
    let answered = false;
    const pending = edit('relay-thoughts', { thinkingConfig: { includeThoughts: true } }).then((response) => {
      answered = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    first.release();
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(await response.body.arrayBuffer()).equals(answer)).toBe(true);
  });

  it('still fails over before the answer began', async () => {
    first.server.closeAllConnections();
    // A connection refused is a failure before any byte: the second route answers.
    const port = (first.server.address() as AddressInfo).port;
    first.server.close();
    const response = await edit('relay-failover');
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(await response.body.arrayBuffer()).equals(answer)).toBe(true);
    expect(response.headers['x-imagegate-channel']).toBe('second');
    await new Promise<void>((resolve) => first.server.listen(port, '127.0.0.1', resolve));
  });
});

function chatEdit(requestId: string, extra: Record<string, unknown> = {}) {
  return undiciRequest(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${gateway.key}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'a red square' }], ...extra }),
  });
}

describe('relaying a large chat completion while the upstream answer arrives', () => {
  beforeAll(() => {
    first.answer = chatAnswer;
    second.answer = chatAnswer;
  });

  it('sends the completion head and image before the upstream has finished, the same bytes as a whole answer', async () => {
    first.behaviour = 'pause';
    const response = await chatEdit('chat-relay-pause');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBeUndefined(); // chunked: the length is not known yet
    expect(response.headers['x-imagegate-channel']).toBe('first');
    expect(response.headers['x-request-id']).toBe('chat-relay-pause');
    const iterator = response.body[Symbol.asyncIterator]();
    const chunks: Buffer[] = [];
    // The upstream holds back all but its first 300,000 bytes: the completion's head and the
    // image's first base64 arrive all the same.
    const begun = `"images":[{"type":"image_url","image_url":{"url":"data:image/png;base64,${image.toString('base64').slice(0, 1000)}`;
    while (!Buffer.concat(chunks).toString('latin1').includes(begun)) {
      chunks.push((await iterator.next()).value as Buffer);
    }
    expect(await logRow('chat-relay-pause')).toBeUndefined();
    first.release();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
    const body = Buffer.concat(chunks).toString('utf8');
    const meta = { id: 'chatcmpl-chat-relay-pause', created: JSON.parse(body).created, model };
    expect(body).toBe(JSON.stringify(chatCompletionFromCanonical([chatAnswerObject], meta)));
    const message = JSON.parse(body).choices[0].message;
    expect(message.content).toBe('Here is the edit: and a thumbnail.');
    expect(message.images[1].image_url.url).toBe(`data:image/png;base64,${smallImage.toString('base64')}`);
    await expectCharged('chat-relay-pause', 2);
  });

  it('closes the connection when the route breaks off after the completion began, and charges nothing', async () => {
    await expectBreakOffNotReplaced(() => chatEdit('chat-relay-break'), 'chat-relay-break');
  });

  it('cuts the completion short, charging nothing, when its first image turns out not to be the one sent', async () => {
    // A thought image nobody asked for comes first; only the whole answer shows it was a thought.
    const thoughtFirst = structuredClone(chatAnswerObject);
    const parts = thoughtFirst.candidates[0].content.parts as Record<string, unknown>[];
    parts[1] = { inlineData: parts[1].inlineData, thought: true };
    first.answer = Buffer.from(JSON.stringify(thoughtFirst));
    first.behaviour = 'whole';
    try {
      await expectCutShort(await chatEdit('chat-relay-changed'), 'chat-relay-changed', 'upstream_bug');
    } finally {
      first.answer = chatAnswer;
    }
  });

  it('reads answers whole when n merges several calls', async () => {
    first.behaviour = 'whole';
    const response = await chatEdit('chat-relay-n', { n: 2 });
    expect(response.statusCode).toBe(200);
    const body = await response.body.text();
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(body));
    const choices = JSON.parse(body).choices;
    expect(choices).toHaveLength(2);
    expect(choices[1].message.images[0].image_url.url).toBe(
      `data:image/png;base64,${image.toString('base64')}`,
    );
  });
});
