// A streaming client that reads the event carrying its image and leaves before the final event is
// charged for the image: the upstream here sends the image, then holds its stream open without the
// final event (and without usage), so only the gateway's own accounting can charge it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { blackPng } from '../security/images.js';

const model = 'gemini-3.1-flash-image';
let upstream: Server;
let gateway: TestGateway;
const image = blackPng(64, 64).toString('base64');

beforeAll(async () => {
  upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = {
        candidates: [
          { content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: image } }] } },
        ],
        modelVersion: model,
      };
      response.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
      // No final event: the stream stays open until the gateway gives up on it.
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: image-then-silence
    provider: gemini-compatible
    baseUrl: http://127.0.0.1:${port}
    apiKeys: [upstream-key]
    models: [${model}]
    timeoutMs: 60000
retest:
  enabled: false
`,
  });
});
afterAll(async () => {
  await gateway.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const streams = [
  {
    name: 'Gemini SSE',
    path: `/v1beta/models/${model}:streamGenerateContent?alt=sse`,
    headers: { 'x-goog-api-key': 'test-client-key' },
    body: {
      contents: [{ parts: [{ text: 'a black square' }] }],
      generationConfig: { responseModalities: ['IMAGE'] },
    },
  },
  {
    name: 'Gemini JSON array',
    path: `/v1beta/models/${model}:streamGenerateContent`,
    headers: { 'x-goog-api-key': 'test-client-key' },
    body: {
      contents: [{ parts: [{ text: 'a black square' }] }],
      generationConfig: { responseModalities: ['IMAGE'] },
    },
  },
  {
    name: 'OpenAI chat stream',
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer test-client-key' },
    body: {
      model,
      stream: true,
      modalities: ['image'],
      messages: [{ role: 'user', content: 'a black square' }],
    },
  },
] as const;

describe('a streaming client that leaves right after the image event', () => {
  for (const { name, path, headers, body } of streams) {
    it(`is charged for the image it was sent (${name})`, async () => {
      const client = new AbortController();
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: client.signal,
      });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-request-id') ?? '';
      // Read until the image has arrived, then leave.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = '';
      while (!received.includes(image.slice(-40))) {
        const { value, done } = await reader.read();
        if (done) break;
        received += Buffer.from(value).toString();
      }
      expect(received).toContain(image.slice(-40));
      client.abort();
      const row = async () => {
        await gateway.settled();
        return gateway.running.gateway.database.db
          .selectFrom('request_log')
          .select(['status', 'images_out', 'charged_micros'])
          .where('id', 'like', `${requestId}%`)
          .executeTakeFirst();
      };
      await expect.poll(row, { timeout: 10_000 }).toBeDefined();
      const logged = await row();
      expect(logged?.images_out).toBe(1);
      expect(Number(logged?.charged_micros)).toBeGreaterThan(0);
      expectBalanced(await billingTotals(gateway.running.gateway.database));
    });
  }
});
