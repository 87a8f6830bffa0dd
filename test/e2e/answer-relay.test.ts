// A large answer is sent on to the client while it still arrives from the upstream, once its head
// shows an image (src/pipeline/answer-relay.ts): the client's first bytes come before the upstream has
// finished; the bill is still settled before the last bytes; a route that breaks off after that point
// cannot be replaced, so the client's connection is closed and nothing is charged; a client that
// leaves once the image bytes began to reach it is charged for the image.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingTotals } from '../helpers/billing-checks.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
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

type Behaviour = 'pause' | 'break' | 'whole';
interface PacedUpstream {
  url: string;
  server: Server;
  requests: number;
  behaviour: Behaviour;
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
    release: () => {},
  };
  upstream.server.on('request', (request, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      upstream.requests += 1;
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      if (upstream.behaviour === 'whole') return response.end(answer);
      response.write(answer.subarray(0, head));
      if (upstream.behaviour === 'break') return setTimeout(() => response.socket?.destroy(), 100);
      upstream.release = () => response.end(answer.subarray(head));
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
  const channel = (name: string, url: string, priority: number) =>
    simChannelYaml(name, url, [model], `    priority: ${priority}\n`);
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
  await gateway.settled();
  return gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('client_request_id', '=', requestId)
    .executeTakeFirst();
}

describe('relaying a large answer while it arrives', () => {
  it('sends the answer head before the upstream has finished, then the rest after the settle', async () => {
    first.behaviour = 'pause';
    const response = await edit('relay-pause');
    // The status and the first bytes are here while the upstream still holds the rest back.
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBe(answer.length);
    expect(response.headers['x-imagegate-channel']).toBe('first');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // the gateway's own id
    const chunks: Buffer[] = [];
    const iterator = response.body[Symbol.asyncIterator]();
    const firstChunk = await iterator.next();
    chunks.push(firstChunk.value as Buffer);
    expect(await logRow('relay-pause')).toBeUndefined(); // not settled yet: the answer is not whole
    first.release();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
    expect(Buffer.concat(chunks).equals(answer)).toBe(true);
    const row = await logRow('relay-pause');
    expect(row?.status).toBe(200);
    expect(Number(row?.charged_micros)).toBeGreaterThan(0);
    expect(row?.images_out).toBe(1);
  });

  it('closes the connection when the route breaks off after the answer began, and charges nothing', async () => {
    first.behaviour = 'break';
    const secondBefore = second.requests;
    const response = await edit('relay-break');
    expect(response.statusCode).toBe(200);
    await expect(response.body.arrayBuffer()).rejects.toThrow();
    // No other route could take over an answer already under way.
    expect(second.requests).toBe(secondBefore);
    await expect.poll(async () => (await logRow('relay-break'))?.status).toBe(502);
    const row = await logRow('relay-break');
    expect(row?.error_class).toBe('connection');
    expect(Number(row?.charged_micros)).toBe(0);
    expect((await billingTotals(gateway.running.gateway.database)).openHolds).toBe(0);
  });

  it('charges a client that leaves once the image bytes began to reach it', async () => {
    first.behaviour = 'pause';
    const response = await edit('relay-leave');
    expect(response.statusCode).toBe(200);
    const iterator = response.body[Symbol.asyncIterator]();
    const firstChunk = await iterator.next();
    expect((firstChunk.value as Buffer).length).toBeGreaterThan(0);
    response.body.destroy(); // the client has the head of the image and goes
    await expect.poll(async () => (await logRow('relay-leave'))?.status, { timeout: 10_000 }).toBe(499);
    first.release();
    const row = await logRow('relay-leave');
    expect(row?.images_out).toBe(1);
    expect(Number(row?.charged_micros)).toBeGreaterThan(0);
    const totals = await billingTotals(gateway.running.gateway.database);
    expect(totals.openHolds).toBe(0);
    expect(totals.requestLogCharged).toBe(totals.spent);
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
