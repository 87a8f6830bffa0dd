// The body bound inside the gateway: large edits queue for room, strangers and leavers hold none,
// chunked bodies are counted as they arrive, and large answers count until the response ends.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { smallPng } from '../security/images.js';

const MB = 1024 * 1024;

/** A PNG of `side`² noise pixels, stored uncompressed: about 3 × side² bytes. */
function noisePng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** A Gemini-wire upstream that answers after `delayMs` and counts how many requests it holds at once. */
async function startCountingUpstream(delayMs: number, answerImage?: Buffer) {
  const answer = JSON.stringify({
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            {
              inlineData: {
                mimeType: 'image/png',
                data: (answerImage ?? (await smallPng())).toString('base64'),
              },
            },
          ],
        },
        finishReason: 'STOP',
      },
    ],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1290, totalTokenCount: 1300 },
  });
  /**
   * `holdUntilInFlight`: answers wait until that many requests were in flight at once (or 5 s), so a
   * test of concurrency does not hang on how quickly a busy machine sends them.
   */
  const state = { inFlight: 0, maxInFlight: 0, served: 0, holdUntilInFlight: 0 };
  let held: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    if (state.maxInFlight >= state.holdUntilInFlight) {
      for (const release of held) release();
      held = [];
    }
    request.resume();
    const answerNow = () => {
      state.inFlight -= 1;
      state.served += 1;
      response
        .writeHead(200, {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': Buffer.byteLength(answer),
        })
        .end(answer);
    };
    request.on('end', () => {
      if (state.maxInFlight >= state.holdUntilInFlight) {
        setTimeout(answerNow, delayMs);
        return;
      }
      const fallback = setTimeout(answerNow, 5000);
      held.push(() => {
        clearTimeout(fallback);
        setTimeout(answerNow, delayMs);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    answerBytes: Buffer.byteLength(answer),
    close: () => server.close(),
  };
}

const model = 'gemini-3.1-flash-image';

describe('the gateway under server.bodyMemoryBytes', () => {
  let upstream: Awaited<ReturnType<typeof startCountingUpstream>>;
  let body: string;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    upstream = await startCountingUpstream(150);
    // ~2 MB of incompressible pixels: ~2.7 MB of base64 per request body.
    const noise = await noisePng(820);
    body = JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make it blue' },
            { inlineData: { mimeType: 'image/png', data: noise.toString('base64') } },
          ],
        },
      ],
    });
    expect(body.length).toBeGreaterThan(2 * MB);
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    upstream.close();
  });

  async function gatewayWith(server: string, upstreamUrl = upstream.url): Promise<TestGateway> {
    const gateway = await startTestGateway({
      configYaml: `server: ${server}
channels:
${simChannelYaml('counting', upstreamUrl, [model])}
retest: { enabled: false }
`,
    });
    gateways.push(gateway);
    return gateway;
  }

  const post = (gateway: TestGateway) =>
    fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body,
    });

  it('holds one large body at a time when only one fits, and still answers every request', async () => {
    const gateway = await gatewayWith(`{ bodyMemoryBytes: ${3 * MB} }`);
    upstream.state.maxInFlight = 0;
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(gateway)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    for (const answer of answers) {
      const parsed = (await answer.json()) as { candidates: Array<{ content: { parts: unknown[] } }> };
      expect(parsed.candidates[0].content.parts).toHaveLength(1);
    }
    expect(upstream.state.maxInFlight).toBe(1);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^imagegate_body_memory_bytes 0$/m);
  });

  it('lets them all in at once under the default bound', async () => {
    const gateway = await gatewayWith('{}');
    upstream.state.maxInFlight = 0;
    upstream.state.holdUntilInFlight = 4;
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(gateway))).finally(() => {
      upstream.state.holdUntilInFlight = 0;
    });
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(upstream.state.maxInFlight).toBe(4);
  });

  it("refuses a stranger's large body before reading it, in the door's envelope, without holding room", async () => {
    const gateway = await gatewayWith(`{ bodyMemoryBytes: ${3 * MB} }`);
    const gemini = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'not-a-key' },
      body,
    });
    expect(gemini.status).toBe(401);
    expect(((await gemini.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(chat.status).toBe(401);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^imagegate_body_memory_bytes 0$/m);
    // Before reading it: the answer comes while the client has sent 11 of its 3 MB.
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
    const answer = new Promise<string>((resolve) =>
      socket.once('data', (chunk) => resolve(chunk.toString('latin1'))),
    );
    socket.write(
      `POST /v1beta/models/${model}:generateContent HTTP/1.1\r\nhost: test\r\n` +
        `content-type: application/json\r\nx-goog-api-key: not-a-key\r\ncontent-length: ${3 * MB}\r\n\r\n{"contents"`,
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 401 /);
    socket.destroy();
  });

  it('answers 503 in the Gemini envelope, with Retry-After, to a body that waited too long', async () => {
    // maxWait is half the request timeout: 500 ms, shorter than the upstream's 150 ms × 4 queue.
    const gateway = await gatewayWith(`{ bodyMemoryBytes: ${3 * MB}, requestTimeoutMs: 1000 }`);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(gateway)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const refused = answers.find((answer) => answer.status === 503)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    const error = ((await refused.json()) as { error: { code: number; status: string; message: string } })
      .error;
    expect(error.code).toBe(503);
    expect(error.status).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/server\.bodyMemoryBytes/);
  });

  it('gives back the room of clients that leave while queued or while sending, and serves the next at once', async () => {
    // The first request holds the room for 1.5 s, less than the 4 s a request may wait (half the
    // request timeout): a leaked reservation makes the last request wait that out and get a 503.
    const slow = await startCountingUpstream(1500);
    const gateway = await gatewayWith(`{ bodyMemoryBytes: ${3 * MB}, requestTimeoutMs: 8000 }`, slow.url);
    const port = Number(new URL(gateway.url).port);
    const headers = (path: string, key: Record<string, string>) =>
      `POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n` +
      `${Object.entries(key)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const geminiPath = `/v1beta/models/${model}:generateContent`;
    const leave = (path: string, key: Record<string, string>, bodyPart = '') => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(headers(path, key) + bodyPart);
      return socket;
    };
    const first = post(gateway);
    await heldUntil(gateway.url, (bytes) => bytes > 0);
    // Clients that queue behind it, on each door, and leave before their turn.
    const bearer = { authorization: `Bearer ${gateway.key}` };
    const queued = [
      ...Array.from({ length: 6 }, () => leave(geminiPath, { 'x-goog-api-key': gateway.key })),
      ...Array.from({ length: 3 }, () => leave('/v1/chat/completions', bearer)),
      ...Array.from({ length: 3 }, () => leave('/v1/images/generations', bearer)),
    ];
    await expect.poll(() => waitingRequests(gateway.url), { timeout: 5000 }).toBe(queued.length);
    for (const socket of queued) socket.destroy();
    await expect.poll(() => waitingRequests(gateway.url), { timeout: 5000 }).toBe(0);
    expect((await first).status).toBe(200);
    // One that leaves halfway through sending its body, once it was let in.
    const halfway = leave(geminiPath, { 'x-goog-api-key': gateway.key }, body.slice(0, body.length / 2));
    await heldUntil(gateway.url, (bytes) => bytes > 0);
    halfway.destroy();
    expect(await heldUntil(gateway.url, (bytes) => bytes === 0)).toBe(0);
    const next = await post(gateway);
    expect(next.status).toBe(200);
    expect(await heldUntil(gateway.url, (bytes) => bytes === 0)).toBe(0);
    expect(await waitingRequests(gateway.url)).toBe(0);
    slow.close();
  }, 30_000);

  it('counts a chunked body as it arrives and gives the room back when its client leaves', async () => {
    const gateway = await gatewayWith(`{ bodyMemoryBytes: ${3 * MB} }`);
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
    socket.on('error', () => {});
    const part = body.slice(0, Math.floor(2.5 * MB));
    socket.write(
      `POST /v1beta/models/${model}:generateContent HTTP/1.1\r\nhost: test\r\n` +
        `content-type: application/json\r\nx-goog-api-key: ${gateway.key}\r\ntransfer-encoding: chunked\r\n\r\n` +
        `${part.length.toString(16)}\r\n${part}\r\n`,
    );
    // 2.5 MB arrived: three 1 MiB steps, each with room for an answer of its size.
    expect(await heldUntil(gateway.url, (bytes) => bytes >= 6 * MB)).toBe(6 * MB);
    socket.destroy();
    expect(await heldUntil(gateway.url, (bytes) => bytes === 0)).toBe(0);
  });
});

/** Sends a request over a raw socket and then reads nothing: the answer cannot finish leaving. */
function sendAndStall(gatewayUrl: string, path: string, headers: Record<string, string>, body: string) {
  const socket = connect(Number(new URL(gatewayUrl).port), '127.0.0.1');
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n${lines.join('')}` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.pause();
  return socket;
}

/** The bound's bytes held, as /metrics reports them. */
async function heldBytes(gatewayUrl: string): Promise<number> {
  const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  return Number(/^imagegate_body_memory_bytes (\d+)$/m.exec(metrics)?.[1]);
}

/** Requests waiting for room, as /metrics reports them. */
async function waitingRequests(gatewayUrl: string): Promise<number> {
  const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
  return Number(/^imagegate_body_memory_waiting_requests (\d+)$/m.exec(metrics)?.[1]);
}

/** Polls until the held bytes satisfy `done` (or 5 s pass), then returns them. */
async function heldUntil(gatewayUrl: string, done: (bytes: number) => boolean): Promise<number> {
  let bytes = await heldBytes(gatewayUrl);
  for (let tries = 0; tries < 100 && !done(bytes); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    bytes = await heldBytes(gatewayUrl);
  }
  return bytes;
}

describe('a large answer the client is slow to read', () => {
  let upstream: Awaited<ReturnType<typeof startCountingUpstream>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startCountingUpstream(0, await noisePng(2000));
    gateway = await startTestGateway({
      configYaml: `channels:
${simChannelYaml('big-answers', upstream.url, [model])}
retest: { enabled: false }
`,
    });
  });
  afterAll(async () => {
    await gateway.close();
    upstream.close();
  });

  it('counts against the bound from when it is read until the response ends, on every door', async () => {
    const bearer = { authorization: `Bearer ${gateway.key}` };
    const prompt = 'a red circle on a white background';
    const requests: Array<[string, Record<string, string>, unknown]> = [
      [
        `/v1beta/models/${model}:generateContent`,
        { 'x-goog-api-key': gateway.key },
        { contents: [{ role: 'user', parts: [{ text: prompt }] }] },
      ],
      ['/v1/chat/completions', bearer, { model, messages: [{ role: 'user', content: prompt }] }],
      ['/v1/images/generations', bearer, { model, prompt }],
    ];
    for (const [path, headers, body] of requests) {
      const socket = sendAndStall(gateway.url, path, headers, JSON.stringify(body));
      // The request is small (nothing reserved for it); the upstream's answer is counted as it is read.
      expect(await heldUntil(gateway.url, (bytes) => bytes >= upstream.answerBytes)).toBe(
        upstream.answerBytes,
      );
      socket.destroy();
      expect(await heldUntil(gateway.url, (bytes) => bytes === 0)).toBe(0);
    }
  });

  it('counts against the bound once (the relayed upstream bytes), until the response ends', async () => {
    const body = JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make it blue' },
            { inlineData: { mimeType: 'image/png', data: (await noisePng(820)).toString('base64') } },
          ],
        },
      ],
    });
    const socket = sendAndStall(
      gateway.url,
      `/v1beta/models/${model}:generateContent`,
      { 'x-goog-api-key': gateway.key },
      body,
    );
    await heldUntil(gateway.url, (bytes) => bytes > body.length);
    // Settled: the answer has been read, parsed and handed to the socket by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The request body plus the upstream's answer, counted when it was read and not again on the way out.
    expect(await heldBytes(gateway.url)).toBe(body.length + upstream.answerBytes);
    socket.destroy();
    expect(await heldUntil(gateway.url, (bytes) => bytes === 0)).toBe(0);
  });
});
