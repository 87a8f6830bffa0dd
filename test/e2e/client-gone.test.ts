// A client that leaves before its answer: the gateway cuts the upstream attempt off at once (an
// abandoned call stops costing upstream time) and logs the call as the client's (499), unary and
// streamed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
let upstream: Server;
/** Each upstream request as it arrives; `closed` resolves when its connection goes away unanswered. */
const arrivals: Array<{ request: IncomingMessage; closed: Promise<void> }> = [];
let gateway: TestGateway;

beforeAll(async () => {
  // An upstream that never answers: only the gateway can end the attempt.
  upstream = createServer((request) => {
    const closed = new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
    request.resume();
    arrivals.push({ request, closed });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: silent
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

const doors = [
  {
    door: 'gemini',
    path: `/v1beta/models/${model}:generateContent`,
    headers: { 'x-goog-api-key': 'test-client-key' },
    body: { contents: [{ parts: [{ text: 'a red circle' }] }] },
  },
  {
    door: 'openai-chat',
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer test-client-key' },
    body: { model, messages: [{ role: 'user', content: 'a red circle' }] },
  },
  {
    door: 'openai-chat',
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer test-client-key' },
    body: { model, stream: true, messages: [{ role: 'user', content: 'a red circle' }] },
  },
] as const;

describe('a client that leaves before its answer', () => {
  for (const { door, path, headers, body } of doors) {
    it(`cuts the upstream attempt off and logs 499 (${door} door${'stream' in body ? ', streamed' : ''})`, async () => {
      const seen = arrivals.length;
      const client = new AbortController();
      const answer = fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: client.signal,
      }).catch((error: unknown) => error);
      for (let waited = 0; arrivals.length === seen && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(arrivals.length).toBe(seen + 1);
      client.abort();
      expect(await answer).toBeInstanceOf(Error);
      // The gateway closes the upstream connection itself, long before the attempt's 60 s timeout.
      const cut = await Promise.race([
        arrivals[seen].closed.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), 3_000)),
      ]);
      expect(cut).toBe(true);
      await gateway.settled();
      const rows = await gateway.running.gateway.database.db
        .selectFrom('request_log')
        .select(['status', 'door'])
        .orderBy('created_at', 'desc')
        .limit(1)
        .execute();
      expect(rows).toEqual([{ status: 499, door }]);
    });
  }
});
