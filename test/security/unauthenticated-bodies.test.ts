// No body is read, or queued for, before its sender is known: strangers' bodies on every path, sized
// or chunked, are answered at once, and a chunked body that stalls is answered 408.
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const MB = 1024 * 1024;
const model = 'local-image-edit';
let gateway: TestGateway;
let port: number;

beforeAll(async () => {
  gateway = await startTestGateway({
    configYaml: `server: { bodyMemoryBytes: ${8 * MB}, requestTimeoutMs: 3000, headersTimeoutMs: 1000 }
channels:
  - name: local
    provider: local
    models: [${model}]
retest: { enabled: false }
`,
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(async () => {
  await gateway.close();
});

/** A raw connection that collects what the server sends; `answered` resolves with the first bytes. */
function rawClient(to = port): { socket: Socket; answered: Promise<string>; closed: Promise<string> } {
  const socket = connect(to, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('error', () => {});
  const answered = new Promise<string>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
  );
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1'))),
  );
  return { socket, answered, closed };
}

function head(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/1.1\r\nhost: test\r\n${lines.join('')}\r\n`;
}

/** The JSON body of an HTTP answer read off a raw socket. */
function answerBody(raw: string): { error: Record<string, unknown> } {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

/** Heap plus external memory of this process: what a body read into memory would add to. */
function heapAndBuffersBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('bodies from unknown senders', () => {
  // Each sends 11 bytes of a declared 3 MB body: an answer now means the body was not waited for.
  const cases: Array<[string, string, string, Record<string, string>, number]> = [
    [
      'Gemini door, wrong key',
      'POST',
      `/v1beta/models/${model}:generateContent`,
      { 'x-goog-api-key': 'nope' },
      401,
    ],
    ['Gemini door, no key', 'POST', `/v1beta/models/${model}:generateContent`, {}, 403],
    ['Images door, no key', 'POST', '/v1/images/edits', {}, 401],
    ['chat door, wrong key', 'POST', '/v1/chat/completions', bearer('nope'), 401],
    ['admin keys, no key', 'POST', '/admin/keys', {}, 401],
    ['admin keys, a client key', 'POST', '/admin/keys', bearer('test-client-key'), 403],
    ['admin key update, no key', 'PATCH', '/admin/keys/anything', {}, 401],
    ['admin key delete with a body, no key', 'DELETE', '/admin/keys/anything', {}, 401],
    ['admin retest, no key', 'POST', '/admin/retest', {}, 401],
    ['admin estimate, a client key', 'POST', '/admin/estimate', bearer('test-client-key'), 403],
    ['an unknown path', 'POST', '/no/such/route', {}, 404],
    ['a path that takes no body', 'POST', '/status.json', {}, 404],
    ['OPTIONS on a door', 'OPTIONS', `/v1beta/models/${model}:generateContent`, {}, 404],
    [
      'an unknown Gemini path, with a valid key',
      'POST',
      '/v1beta/nothing',
      { 'x-goog-api-key': 'test-client-key' },
      404,
    ],
  ];

  for (const [name, method, path, headers, status] of cases) {
    const expected = new RegExp(`^HTTP/1\\.1 ${status} `);
    it(`answers ${status} before reading a sized body: ${name}`, async () => {
      const { socket, answered } = rawClient();
      socket.write(
        head(method, path, {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(3 * MB),
        }) + '{"contents"',
      );
      const answer = await answered;
      socket.destroy();
      expect(answer).toMatch(expected);
      expect(answerBody(answer).error).toBeDefined();
    });

    it(`answers ${status} before reading a chunked body: ${name}`, async () => {
      const { socket, answered } = rawClient();
      socket.write(
        `${head(method, path, { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' })}b\r\n{"contents"\r\n`,
      );
      const answer = await answered;
      socket.destroy();
      expect(answer).toMatch(expected);
    });
  }

  it('answers in the caller protocol: Gemini envelope under /v1beta, OpenAI envelope elsewhere', async () => {
    const gemini = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'nope' },
      body: '{}',
    });
    expect(((await gemini.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    const admin = await fetch(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x"}',
    });
    expect(admin.status).toBe(401);
    expect(((await admin.json()) as { error: { code: string } }).error.code).toBe('missing_admin_key');
  });
});

describe('many large chunked bodies without a key', () => {
  let flat: TestGateway;
  let flatPort: number;
  beforeAll(async () => {
    flat = await startTestGateway({
      configYaml: `channels:
  - name: local
    provider: local
    models: [${model}]
retest: { enabled: false }
`,
    });
    flatPort = Number(new URL(flat.url).port);
  });
  afterAll(async () => {
    await flat.close();
  });

  it('keeps memory flat under 24 clients sending 60 MB chunked bodies without a key, each answered at once', async () => {
    const chunk = Buffer.alloc(MB, 0x20);
    const chunkFrame = Buffer.concat([Buffer.from(`${MB.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    global.gc?.();
    const before = heapAndBuffersBytes();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, heapAndBuffersBytes());
    }, 20);
    /** Sends up to 60 MB, respecting backpressure, and stops at the answer. Resolves with the answer and bytes sent. */
    const send = () =>
      new Promise<{ answer: string; sentBytes: number }>((resolve) => {
        const { socket, answered } = rawClient(flatPort);
        let sentBytes = 0;
        let answer: string | undefined;
        answered.then((received) => {
          answer = received;
          socket.destroy();
          resolve({ answer, sentBytes });
        });
        socket.on('close', () => resolve({ answer: answer ?? '', sentBytes }));
        const pump = () => {
          while (answer === undefined && sentBytes < 60 * MB && !socket.destroyed) {
            sentBytes += MB;
            if (!socket.write(chunkFrame)) return void socket.once('drain', pump);
          }
          if (sentBytes >= 60 * MB && !socket.destroyed) socket.write('0\r\n\r\n');
        };
        socket.write(
          head('POST', `/v1beta/models/${model}:generateContent`, {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          }),
        );
        pump();
      });
    const results = await Promise.all(Array.from({ length: 24 }, send));
    clearInterval(sampler);
    for (const { answer } of results) expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    // Today's code reads every body whole first: 24 × 60 MB in memory at once.
    expect(peak - before).toBeLessThan(150 * MB);
    // Answered long before a body was sent: a client has sent a small part of its 60 MB at most.
    const sent = results.map((result) => result.sentBytes).sort((left, right) => left - right);
    expect(sent[Math.floor(sent.length / 2)]).toBeLessThan(30 * MB);
  }, 60_000);
});

describe('a refused body still being sent', () => {
  it('lets the client finish sending and read its 401, instead of a broken pipe', async () => {
    const body = Buffer.alloc(12 * MB, 'a');
    for (const path of ['/admin/keys', `/v1beta/models/${model}:generateContent`, '/v1/images/generations']) {
      const outcome = await new Promise<string>((resolve) => {
        // agent: false sends Connection: close, as many one-shot clients do.
        const request = httpRequest(
          `${gateway.url}${path}`,
          {
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(String(response.statusCode)));
          },
        );
        request.on('error', (error) => resolve(error.message));
        request.end(body);
      });
      expect(outcome, path).toMatch(/^40[13]$/);
    }
  }, 30_000);
});

describe('chunked bodies from known clients', () => {
  it('answers 408 to a chunked body that stalls, within the request timeout', async () => {
    const { socket, closed } = rawClient();
    socket.write(
      `${head('POST', `/v1beta/models/${model}:generateContent`, {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
        'x-goog-api-key': gateway.key,
      })}b\r\n{"contents"\r\n`,
    );
    const started = Date.now();
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    // requestTimeoutMs is 3 s here; generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    // In the Gemini door's own envelope, as every other error.
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ code: 408, status: 'DEADLINE_EXCEEDED' });
    expect(body.error.message).toContain('did not arrive in time');
  }, 20_000);

  it('answers a stalled body on the OpenAI doors in the OpenAI envelope', async () => {
    const { socket, closed } = rawClient();
    socket.write(
      `${head('POST', '/v1/images/generations', {
        'content-type': 'application/json',
        'content-length': '100',
        authorization: `Bearer ${gateway.key}`,
      })}{"prompt"`,
    );
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_timeout' });
  }, 20_000);

  it('serves a chunked body from a known client', async () => {
    const body = JSON.stringify({
      contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
    });
    const answer = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(200);
    const parsed = (await answer.json()) as {
      candidates: Array<{ content: { parts: Array<{ inlineData?: unknown }> } }>;
    };
    expect(parsed.candidates[0].content.parts.some((part) => part.inlineData)).toBe(true);
  });
});
