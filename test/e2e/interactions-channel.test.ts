// A channel with `api: interactions` over real HTTP: upstream-sim serves POST /v1beta/interactions,
// and the gateway's Gemini door (whole and streamed), OpenAI Images door and Interactions door all
// edit through it; usage is billed at the catalog price, and a 503 from it fails over to a
// generateContent channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costOfUsage } from '../../src/billing/cost.js';
import { loadBuiltinCatalog, outputImageTokens } from '../../src/catalog/catalog.js';
import type { UsageMetadata } from '../../src/canonical/types.js';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { type EditDoor, editThrough } from '../helpers/edit-doors.js';
import { isBlue, pixelAt } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
const thinkingModel = 'gemini-3-pro-image';
const catalog = loadBuiltinCatalog();
let interactionsSim: UpstreamSim;
let generateSim: UpstreamSim;
let gateway: TestGateway;
let square: Buffer;
let requestNumber = 0;

beforeAll(async () => {
  interactionsSim = await startUpstreamSim({ port: 0 });
  generateSim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('interactions-sim', interactionsSim.url, [model, thinkingModel], '    api: interactions\n    priority: 2\n')}${simChannelYaml('generate-sim', generateSim.url, [model], '    priority: 1\n')}`,
  });
  square = await makeRetestImage();
});
afterAll(async () => {
  await gateway.close();
  await interactionsSim.close();
  await generateSim.close();
});

async function chargedMicros(requestId: string): Promise<number> {
  await gateway.settled();
  const row = await gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('client_request_id', '=', requestId)
    .executeTakeFirstOrThrow();
  return Number(row.charged_micros);
}

function expectCatalogPrice(usage: UsageMetadata, charged: number): void {
  const entry = catalog.resolve(model);
  if (!entry) throw new Error(`${model} is not in the catalog`);
  const imageTokens =
    usage.candidatesTokensDetails?.find((detail) => detail.modality === 'IMAGE')?.tokenCount ?? 0;
  expect(imageTokens).toBe(outputImageTokens(entry, {}));
  expect(charged).toBe(costOfUsage(usage, entry).micros);
  expect(charged).toBeGreaterThan(0);
}

function lastInteractionsCall() {
  const call = interactionsSim.received.at(-1);
  if (call === undefined) throw new Error('the Interactions upstream received nothing');
  expect(call.method).toBe('POST');
  expect(call.path).toBe('/v1beta/interactions');
  return call;
}

describe('a channel that speaks the Interactions API upstream', () => {
  for (const door of ['gemini', 'gemini-stream', 'openai-images'] as EditDoor[]) {
    it(`edits the retest template through the ${door} door: the background turns blue`, async () => {
      const requestId = `interactions-channel-${door}-${++requestNumber}`;
      const answer = await editThrough(gateway, door, model, square, requestId);

      expect(answer.status, answer.text).toBe(200);
      expect(answer.channel).toBe('interactions-sim');
      expect(isBlue(await pixelAt(answer.image as Buffer, 4, 4))).toBe(true);
      const call = lastInteractionsCall();
      expect(call.headers['x-goog-api-key']).toBe('sim-key-interactions-sim');
      expect(call.body).toMatchObject({ model, store: false, input: [{ type: 'user_input' }] });
      expect(await chargedMicros(requestId)).toBeGreaterThan(0);
    });
  }

  it('bills a generateContent answer read from an Interaction at the catalog price of its usage', async () => {
    const requestId = `interactions-channel-billing-${++requestNumber}`;
    const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-goog-api-key': gateway.key,
        'x-request-id': requestId,
      },
      body: JSON.stringify({
        contents: [{ parts: [{ text: 'a blue square on a yellow background' }] }],
        generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { usageMetadata: UsageMetadata; candidates: unknown[] };
    expect(lastInteractionsCall().body).toMatchObject({
      response_format: [{ type: 'text' }, { type: 'image', aspect_ratio: '1:1' }],
    });
    expect(body.candidates).toHaveLength(1);
    expectCatalogPrice(body.usageMetadata, await chargedMicros(requestId));
  });

  it('bills a streamed answer by the usage of its interaction.completed event', async () => {
    const requestId = `interactions-channel-stream-billing-${++requestNumber}`;
    const answer = await editThrough(gateway, 'gemini-stream', model, square, requestId);
    const events = answer.text
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { usageMetadata?: UsageMetadata });
    const usage = events.at(-1)?.usageMetadata;
    expect(usage).toBeDefined();
    expectCatalogPrice(usage as UsageMetadata, await chargedMicros(requestId));
  });

  it('serves the Interactions door through it, the edit read back from the steps', async () => {
    const response = await fetch(`${gateway.url}/v1beta/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify({
        model,
        input: [
          { type: 'text', text: 'Change the background to blue' },
          { type: 'image', data: square.toString('base64'), mime_type: 'image/png' },
        ],
        response_format: { type: 'image' },
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const interaction = JSON.parse(text) as {
      status: string;
      steps: Array<{ type: string; content?: Array<{ type: string; data?: string }> }>;
      usage?: { total_tokens?: number };
    };
    expect(interaction.status).toBe('completed');
    const image = interaction.steps
      .flatMap((step) => step.content ?? [])
      .find((content) => content.type === 'image');
    expect(isBlue(await pixelAt(Buffer.from(image?.data ?? '', 'base64'), 4, 4))).toBe(true);
    expect(interaction.usage?.total_tokens).toBeGreaterThan(0);
    expect(lastInteractionsCall().body).toMatchObject({ store: false });
  });

  it("sends a thinking model's signature back in a thought step on the next turn", async () => {
    const ask = (contents: unknown[]) =>
      fetch(`${gateway.url}/v1beta/models/${thinkingModel}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify({ contents, generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } }),
      });
    const firstTurn = { role: 'user', parts: [{ text: 'a red square' }] };
    const first = await ask([firstTurn]);
    expect(first.status).toBe(200);
    const answer = (await first.json()) as {
      candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }>;
      usageMetadata: UsageMetadata;
    };
    const signature = answer.candidates[0].content.parts[0].thoughtSignature;
    expect(signature).toBeTruthy();
    expect(answer.usageMetadata.thoughtsTokenCount).toBeGreaterThan(0);

    const second = await ask([
      firstTurn,
      { role: 'model', parts: answer.candidates[0].content.parts },
      { role: 'user', parts: [{ text: 'Now make it blue' }] },
    ]);

    expect(second.status, await second.clone().text()).toBe(200);
    const input = (lastInteractionsCall().body as { input: Array<{ type: string; signature?: string }> })
      .input;
    expect(input.map((step) => step.type)).toEqual(['user_input', 'thought', 'model_output', 'user_input']);
    expect(input[1].signature).toBe(signature);
  });

  it('keeps the ledger, key balance and request log equal after all of that', async () => {
    await gateway.settled();
    expectBalanced(await billingTotals(gateway.running.gateway.database));
  });

  it('fails over to a generateContent channel when the Interactions upstream answers 503', async () => {
    interactionsSim.setFaults(['503']);
    const before = generateSim.received.length;
    const answer = await editThrough(
      gateway,
      'gemini',
      model,
      square,
      `interactions-failover-${++requestNumber}`,
    );

    expect(answer.status, answer.text).toBe(200);
    expect(answer.channel).toBe('generate-sim');
    expect(isBlue(await pixelAt(answer.image as Buffer, 4, 4))).toBe(true);
    lastInteractionsCall();
    expect(generateSim.received.slice(before).map((call) => call.path)).toEqual([
      `/v1beta/models/${model}:generateContent`,
    ]);
  });
});
