// Large request bodies and upstream answers are read into buffers reused across requests
// (src/http/buffer-pool.ts). Many large edits in flight at once, each with its own image, must each
// get back exactly their own image, whatever memory the previous requests left behind.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferPool } from '../../src/http/buffer-pool.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';

/**
 * A Gemini-wire upstream that answers each edit with the image it was sent plus one trailing byte
 * (an answer equal to its input is an unedited failure); `failNext` answers 503.
 */
async function startEchoUpstream(): Promise<{ url: string; server: Server; failNext: { count: number } }> {
  const failNext = { count: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (failNext.count > 0) {
        failNext.count -= 1;
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        contents: Array<{ parts: Array<{ inlineData?: { mimeType: string; data: string } }> }>;
      };
      const sent = body.contents[0].parts.find((part) => part.inlineData)?.inlineData;
      const image = sent && { mimeType: sent.mimeType, data: edited(Buffer.from(sent.data, 'base64')) };
      const answer = Buffer.from(
        JSON.stringify({
          candidates: [
            { content: { role: 'model', parts: [{ inlineData: image }] }, finishReason: 'STOP', index: 0 },
          ],
          usageMetadata: { promptTokenCount: 1300, candidatesTokenCount: 1290, totalTokenCount: 2590 },
        }),
      );
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, failNext };
}

/** What the echo upstream answers for `image`, as base64. */
function edited(image: Buffer): string {
  return Buffer.concat([image, Buffer.from('!')]).toString('base64');
}

/** A ~1.1 MB PNG of noise (its base64 is over the 1 MiB at which bodies are pooled). */
function noisePng(): Promise<Buffer> {
  return sharp(randomBytes(620 * 600 * 3), { raw: { width: 620, height: 600, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gateway: TestGateway;
let images: Buffer[];
const pool = (): BufferPool => {
  const found = gateway.running.gateway.bufferPool;
  if (!found) throw new Error('the gateway has no buffer pool');
  return found;
};

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: echo
    provider: gemini-compatible
    baseUrl: ${upstream.url}
    apiKeys: [echo-key]
    models: [${model}]
retest:
  enabled: false
`,
  });
  images = await Promise.all(Array.from({ length: 6 }, noisePng));
});
afterAll(async () => {
  await gateway.close();
  upstream.server.close();
});

async function geminiEdit(image: Buffer): Promise<{ status: number; image?: string }> {
  const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
    body: JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'keep it' },
            { inlineData: { mimeType: 'image/png', data: image.toString('base64') } },
          ],
        },
      ],
    }),
  });
  const body = (await response.json()) as {
    candidates?: Array<{ content: { parts: Array<{ inlineData?: { data: string } }> } }>;
  };
  return { status: response.status, image: body.candidates?.[0].content.parts[0].inlineData?.data };
}

async function chatEdit(image: Buffer): Promise<{ status: number; image?: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
    body: JSON.stringify({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'keep it' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
          ],
        },
      ],
    }),
  });
  const body = (await response.json()) as {
    choices?: Array<{ message: { images?: Array<{ image_url: { url: string } }> } }>;
  };
  const url = body.choices?.[0].message.images?.[0].image_url.url;
  return { status: response.status, image: url?.slice(url.indexOf(',') + 1) };
}

/** A moment for the gateway to see its responses close (buffers go back on 'close'). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('large bodies in reused buffers', () => {
  it.each([
    ['Gemini door', geminiEdit],
    ['OpenAI chat door', chatEdit],
  ])('%s: six edits at a time, three rounds, each gets its own image back', async (_door, edit) => {
    const before = { ...pool().counts };
    for (let round = 0; round < 3; round += 1) {
      const order = images.map((_, index) => (index + round) % images.length);
      const answers = await Promise.all(order.map((index) => edit(images[index])));
      answers.forEach((answer, position) => {
        expect(answer.status).toBe(200);
        expect(answer.image === edited(images[order[position]])).toBe(true);
      });
      await settled();
    }
    const taken = pool().counts.taken - before.taken;
    const reused = pool().counts.reused - before.reused;
    expect(taken).toBeGreaterThanOrEqual(36); // a request body and an answer per edit
    expect(reused).toBeGreaterThan(0);
  });

  it('does not reuse the buffers of a request whose upstream attempt failed', async () => {
    await geminiEdit(images[0]); // leaves buffers idle
    await settled();
    const idleBefore = pool().idleBytes;
    expect(idleBefore).toBeGreaterThan(0);

    upstream.failNext.count = 1; // the one channel answers 503: the request fails
    const failed = await geminiEdit(images[1]);
    expect(failed.status).toBe(503);
    await settled();
    // Its request body came from the pool and was not given back: the attempt may still have been writing it.
    expect(pool().idleBytes).toBeLessThan(idleBefore);

    const next = await geminiEdit(images[2]);
    expect(next.image === edited(images[2])).toBe(true);
  });
});
