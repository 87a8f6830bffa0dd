// Billing through the Responses door on the real gateway: one call is charged once at the served
// model's price (the Images door's figure for the same edit), refusals charge nothing and hold
// nothing, a key at its limit gets insufficient_quota, and abandoned streams are charged by what
// they were sent.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const silentModel = 'gemini-3-pro-image';
let sim: UpstreamSim;
let silent: Server;
const arrivals: IncomingMessage[] = [];
let gateway: TestGateway;
let retestImage: Buffer;
/** What one whole (unstreamed) Responses edit was charged: a streamed one costs the same. */
let oneEditMicros = 0;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  // An upstream that never answers: a client can only leave before the first event.
  silent = createServer((request) => {
    request.resume();
    arrivals.push(request);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  gateway = await startTestGateway({
    configYaml: `models:
  - id: local-image-edit
    pricing: { outputImage: "1000" }
channels:
${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image'])}  - name: silent
    provider: gemini-compatible
    baseUrl: http://127.0.0.1:${port}
    apiKeys: [upstream-key]
    models: [${silentModel}]
    timeoutMs: 60000
retest:
  enabled: false
`,
  });
  retestImage = await makeRetestImage();
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});

const database = () => gateway.running.gateway.database;

async function createKey(name: string, spendLimitUsd?: number): Promise<{ id: string; key: string }> {
  const response = await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      ...(spendLimitUsd === undefined ? {} : { spendLimitUsd, controlled: true }),
    }),
  });
  expect(response.status).toBe(201);
  return response.json();
}

function post(path: string, key: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
    signal,
  });
}

function editInput(text = 'Change the background to blue') {
  return [
    {
      role: 'user',
      content: [
        { type: 'input_text', text },
        { type: 'input_image', image_url: `data:image/png;base64,${retestImage.toString('base64')}` },
      ],
    },
  ];
}

async function ledgerOf(keyId: string) {
  return database()
    .db.selectFrom('ledger')
    .select(['request_id', 'kind', 'amount_micros'])
    .where('key_id', '=', keyId)
    .execute();
}

async function logOf(keyId: string) {
  return database()
    .db.selectFrom('request_log')
    .select(['id', 'status', 'images_out', 'charged_micros', 'door'])
    .where('key_id', '=', keyId)
    .execute();
}

describe('a Responses call on the real gateway', () => {
  it('is charged once, at the same price the Images door charges for the same edit', async () => {
    const responses = await createKey('responses-once');
    const answer = await post('/v1/responses', responses.key, {
      model: 'local-image-edit',
      input: editInput(),
      tools: [{ type: 'image_generation' }],
    });
    expect(answer.status).toBe(200);
    expect((await answer.json()).status).toBe('completed');

    const images = await createKey('images-once');
    const form = new FormData();
    form.set('model', 'local-image-edit');
    form.set('prompt', 'Change the background to blue');
    form.set('image', new Blob([new Uint8Array(retestImage)], { type: 'image/png' }), 'input.png');
    const imagesAnswer = await fetch(`${gateway.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${images.key}` },
      body: form,
    });
    expect(imagesAnswer.status).toBe(200);
    await imagesAnswer.text();
    await gateway.settled();

    const ledger = await ledgerOf(responses.id);
    const settles = ledger.filter((row) => row.kind === 'settle');
    expect(settles).toHaveLength(1);
    const log = await logOf(responses.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ door: 'openai-responses', status: 200, images_out: 1 });
    const totals = await billingTotals(database(), responses.id);
    expectBalanced(totals);
    expect(totals.spent).toBeGreaterThan(0);
    const imagesTotals = await billingTotals(database(), images.id);
    expect(totals.spent).toBe(imagesTotals.spent);
    oneEditMicros = totals.spent;
  });

  it.each([
    [
      'an unknown tool type',
      { model: 'local-image-edit', input: 'a red circle', tools: [{ type: 'web_search' }] },
    ],
    [
      'a transparent background on Gemini',
      {
        model: 'gemini-3.1-flash-image',
        input: 'a red circle',
        tools: [{ type: 'image_generation', background: 'transparent' }],
      },
    ],
    ['a missing input', { model: 'local-image-edit', tools: [{ type: 'image_generation' }] }],
    [
      'an unknown previous_response_id',
      {
        model: 'local-image-edit',
        input: 'again',
        previous_response_id: 'resp_doesnotexist',
        tools: [{ type: 'image_generation' }],
      },
    ],
  ])('charges nothing and writes no hold for %s (400 or 404)', async (name, body) => {
    const { id, key } = await createKey(`refused: ${name}`);
    const answer = await post('/v1/responses', key, body);
    expect([400, 404]).toContain(answer.status);
    await answer.text();
    await gateway.settled();
    expect(await ledgerOf(id)).toEqual([]);
    const totals = await billingTotals(database(), id);
    expect(totals).toMatchObject({ spent: 0, reserved: 0, openHolds: 0, ledgerCharged: 0 });
  });

  it('answers a key at its spend limit with OpenAI’s 429 insufficient_quota and charges nothing', async () => {
    const { id, key } = await createKey('at-limit', 0.000001);
    const answer = await post('/v1/responses', key, {
      model: 'local-image-edit',
      input: editInput(),
      tools: [{ type: 'image_generation' }],
    });
    expect(answer.status).toBe(429);
    const body = await answer.json();
    expect(body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    await gateway.settled();
    expect(await billingTotals(database(), id)).toMatchObject({ spent: 0, reserved: 0, openHolds: 0 });
  });

  it('charges a stream the client leaves after the image went out exactly once', async () => {
    const { id, key } = await createKey('stream-left-after-image');
    const client = new AbortController();
    const answer = await post(
      '/v1/responses',
      key,
      { model: 'local-image-edit', input: editInput(), tools: [{ type: 'image_generation' }], stream: true },
      client.signal,
    );
    expect(answer.status).toBe(200);
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!/"type":"response.output_item.done"[^\n]*"result":"iVBOR/.test(received)) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString();
    }
    expect(received).toContain('response.output_item.done');
    client.abort();
    await gateway.settled();
    await expect.poll(async () => (await logOf(id)).length, { timeout: 10_000 }).toBe(1);
    const [row] = await logOf(id);
    expect(row.images_out).toBe(1);
    expect(Number(row.charged_micros)).toBe(oneEditMicros);
    expect((await ledgerOf(id)).filter((entry) => entry.kind === 'settle')).toHaveLength(1);
    expectBalanced(await billingTotals(database(), id));
  });

  it('charges nothing for a stream the client leaves before the first event', async () => {
    const { id, key } = await createKey('stream-left-early');
    const seen = arrivals.length;
    const client = new AbortController();
    const answer = post(
      '/v1/responses',
      key,
      { model: silentModel, input: 'a red circle', tools: [{ type: 'image_generation' }], stream: true },
      client.signal,
    ).catch((error: unknown) => error);
    for (let waited = 0; arrivals.length === seen && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(arrivals.length).toBe(seen + 1);
    client.abort();
    expect(await answer).toBeInstanceOf(Error);
    await gateway.settled();
    await expect.poll(async () => (await logOf(id)).length, { timeout: 10_000 }).toBe(1);
    const [row] = await logOf(id);
    expect(row).toMatchObject({ status: 499, images_out: 0 });
    expect(Number(row.charged_micros)).toBe(0);
    const totals = await billingTotals(database(), id);
    expectBalanced(totals);
    expect(totals.spent).toBe(0);
  });

  it('keeps nothing for store: false, so GET answers 404', async () => {
    const { key } = await createKey('not-stored');
    const answer = await post('/v1/responses', key, {
      model: 'local-image-edit',
      input: editInput(),
      tools: [{ type: 'image_generation' }],
      store: false,
    });
    expect(answer.status).toBe(200);
    const body = await answer.json();
    expect(body.store).toBe(false);
    const read = await fetch(`${gateway.url}/v1/responses/${body.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(404);
    expect((await read.json()).error.code).toBeDefined();
  });
});
