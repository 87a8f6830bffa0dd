// Deeply nested JSON from a client or an upstream is refused by an iterative scan before anything
// parses or walks it: a 400 in the door's envelope, an upstream_bug that fails over, never a 500.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { smallPng } from './images.js';
import { gatewayRequestId } from '../helpers/request-ids.js';

const model = 'gemini-3.1-flash-image-preview';
const deepNest = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

let hostile: Server;
let hostileUrl: string;
let healthy: UpstreamSim;
let gateway: TestGateway;
let image: string;

/** The fields of an answer or error envelope the tests read. */
interface Answer {
  error: { code: number; status: string; type: string; message: string };
  candidates: Array<{ content: { parts: Array<{ inlineData?: unknown }> } }>;
  data: Array<{ b64_json: string }>;
  totalTokens: number;
}

/** Answers every call 200 with an otherwise valid answer that carries a deep nest. */
function startHostileUpstream(): Promise<void> {
  hostile = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const openAi = request.url?.startsWith('/v1/images') ?? false;
      const body = openAi
        ? `{"created":1,"data":[{"b64_json":"AAAA","extra":${deepNest}}]}`
        : `{"candidates":[{"content":{"role":"model","parts":[{"text":"hi","extra":${deepNest}}]},"finishReason":"STOP"}]}`;
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  return new Promise((resolve) =>
    hostile.listen(0, '127.0.0.1', () => {
      hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

beforeAll(async () => {
  await startHostileUpstream();
  healthy = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('hostile', hostileUrl, [model], '    priority: 2\n')}  - name: hostile-openai
    provider: openai-compatible
    baseUrl: ${hostileUrl}/v1
    apiKeys: ["hostile-openai-key"]
    models: [gpt-image-2]
    priority: 2
${simChannelYaml('healthy', healthy.url, [model], '    priority: 1\n')}  - name: healthy-openai
    provider: openai-compatible
    baseUrl: ${healthy.url}/v1
    apiKeys: ["healthy-openai-key"]
    models: [gpt-image-2]
    priority: 1
routing:
  circuit: { failureThreshold: 1000, openMs: 1000 }
`,
  });
  image = (await smallPng()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  await healthy.close();
  await new Promise((resolve) => hostile.close(resolve));
});

async function post(
  path: string,
  body: string,
  bearer = gateway.key,
  requestId?: string,
): Promise<{ status: number; json: Answer }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${bearer}`,
  };
  if (requestId) headers['x-request-id'] = requestId;
  const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) };
}

/** Sends bytes with node:http: fetch spends seconds of this process's own time encoding 10 MB. */
function postBytes(path: string, body: Buffer): Promise<{ status: number; json: Answer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${gateway.url}${path}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${gateway.key}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function attemptsOf(requestId: string): Promise<Array<{ channel: string; outcome: string }>> {
  await gateway.settled();
  const db = gateway.running.gateway.database.db;
  return db
    .selectFrom('request_attempts')
    .select(['channel', 'outcome'])
    .where('request_id', '=', await gatewayRequestId(db, requestId))
    .orderBy('attempt_no')
    .execute();
}

/** A request body with the nest where no door's schema looks: a field beside the real ones. */
function nestedBeside(fields: string): string {
  return `{${fields},"extra":${deepNest}}`;
}

describe('deeply nested client bodies', () => {
  const geminiFields = '"contents":[{"role":"user","parts":[{"text":"a red circle"}]}]';
  const doors = [
    {
      name: 'Gemini generateContent',
      path: '/v1beta/models/local-image-edit:generateContent',
      body: nestedBeside(geminiFields),
      envelope: 'gemini',
    },
    {
      name: 'Gemini streamGenerateContent',
      path: '/v1beta/models/local-image-edit:streamGenerateContent?alt=sse',
      body: nestedBeside(geminiFields),
      envelope: 'gemini',
    },
    {
      name: 'Gemini countTokens',
      path: '/v1beta/models/local-image-edit:countTokens',
      body: nestedBeside(geminiFields),
      envelope: 'gemini',
    },
    {
      name: 'Gemini under contents',
      path: '/v1beta/models/local-image-edit:generateContent',
      body: `{"contents":${deepNest}}`,
      envelope: 'gemini',
    },
    {
      name: 'OpenAI Images generations',
      path: '/v1/images/generations',
      body: nestedBeside('"model":"local-image-edit","prompt":"a red circle"'),
      envelope: 'openai',
    },
    {
      name: 'OpenAI Images edits (JSON)',
      path: '/v1/images/edits',
      body: nestedBeside('"model":"local-image-edit","prompt":"invert"'),
      envelope: 'openai',
    },
    {
      name: 'OpenAI chat completions',
      path: '/v1/chat/completions',
      body: nestedBeside('"model":"local-image-edit","messages":[{"role":"user","content":"a red circle"}]'),
      envelope: 'openai',
    },
  ] as const;

  for (const door of doors) {
    it(`answers 400 in the ${door.envelope} envelope on the ${door.name} door`, async () => {
      const answer = await post(door.path, door.body);
      expect(answer.status).toBe(400);
      if (door.envelope === 'gemini') {
        expect(answer.json.error.code).toBe(400);
        expect(answer.json.error.status).toBe('INVALID_ARGUMENT');
      } else {
        expect(answer.json.error.type).toBe('invalid_request_error');
      }
      expect(answer.json.error.message).toMatch(/nest deeper than 64 levels/);
    });
  }

  it('answers 400 on the admin key route', async () => {
    const answer = await post('/admin/keys', nestedBeside('"name":"nested"'), gateway.adminKey);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toMatch(/nest deeper than 64 levels/);
  });

  it('answers 400 on the admin retest route', async () => {
    const answer = await post('/admin/retest', nestedBeside('"model":"local-image-edit"'), gateway.adminKey);
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/nests deeper than 64 levels/);
  });

  it('answers 10 MB of open brackets with a 400 within 3 s while /healthz stays responsive', async () => {
    const body = Buffer.alloc(10_000_000, '[');
    // The first large body allocates the gateway's reusable body buffers.
    await postBytes('/v1beta/models/local-image-edit:generateContent', body);
    const started = performance.now();
    const pending = postBytes('/v1beta/models/local-image-edit:generateContent', body);
    const healthStarted = performance.now();
    const health = await fetch(`${gateway.url}/healthz`);
    const healthMs = performance.now() - healthStarted;
    const answer = await pending;
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/nest deeper than 64 levels/);
    // Before the scan this took 27 s on a loaded machine; the scan stops at the 65th bracket.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1_000);
  });

  it('still accepts a body nested 20 levels deep beside its fields', async () => {
    const nest = `${'{"a":'.repeat(20)}1${'}'.repeat(20)}`;
    const answer = await post(
      '/v1beta/models/local-image-edit:countTokens',
      `{"contents":[{"role":"user","parts":[{"text":"a red circle"}]}],"extra":${nest}}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.json.totalTokens).toBeGreaterThan(0);
  });
});

describe('deeply nested upstream answers', () => {
  it('fails a Gemini-wire answer over as upstream_bug to the next route', async () => {
    const answer = await post(
      `/v1beta/models/${model}:generateContent`,
      JSON.stringify({
        contents: [
          {
            role: 'user',
            parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: image } }],
          },
        ],
        generationConfig: { responseModalities: ['IMAGE'] },
      }),
      gateway.key,
      'nested-gemini-answer',
    );
    expect(answer.status).toBe(200);
    expect(answer.json.candidates[0].content.parts.some((part) => part.inlineData)).toBe(true);
    expect(await attemptsOf('nested-gemini-answer')).toMatchObject([
      { channel: 'hostile', outcome: 'upstream_bug' },
      { channel: 'healthy', outcome: 'ok' },
    ]);
  });

  it('fails an OpenAI Images answer over as upstream_bug to the next route', async () => {
    const answer = await post(
      '/v1/images/generations',
      JSON.stringify({ model: 'gpt-image-2', prompt: 'a red circle on a white background' }),
      gateway.key,
      'nested-openai-answer',
    );
    expect(answer.status).toBe(200);
    expect(answer.json.data[0].b64_json.length).toBeGreaterThan(100);
    const attempts = await attemptsOf('nested-openai-answer');
    expect(attempts[0]).toMatchObject({ channel: 'hostile-openai', outcome: 'upstream_bug' });
    expect(attempts.at(-1)).toMatchObject({ channel: 'healthy-openai', outcome: 'ok' });
  });
});
