import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costOfUsage } from '../../src/billing/cost.js';
import { billingStatus } from '../../src/billing/reconcile.js';
import { loadBuiltinCatalog, outputImageTokens } from '../../src/catalog/catalog.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const catalog = loadBuiltinCatalog();
const models = ['gemini-3.1-flash-image', 'gemini-3-pro-image', 'gemini-2.5-flash-image'];
let sim: UpstreamSim;
let driftSim: UpstreamSim;
let gateway: TestGateway;

beforeAll(async () => {
  // gemini-2.5-flash-image is shut down upstream; kept alive here, in the catalog and the sim, for its
  // fixed output size. The drifting channel serves a model google-sim does not, so routing is certain.
  sim = await startUpstreamSim({ port: 0, models: { gemini: { models } } });
  driftSim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `models:
  - { id: gemini-2.5-flash-image, shutdown: null }
channels:\n${simChannelYaml('google-sim', sim.url, models)}${simChannelYaml('drifting-sim', driftSim.url, ['gemini-3.1-flash-lite-image'])}`,
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
  await driftSim.close();
});

async function generate(model: string, imageSize?: string) {
  const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
    body: JSON.stringify({
      contents: [{ parts: [{ text: 'a blue square on a yellow background' }] }],
      generationConfig: {
        responseModalities: ['IMAGE'],
        ...(imageSize ? { imageConfig: { imageSize } } : {}),
      },
    }),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('x-request-id') ?? '';
  const body = await response.json();
  await gateway.settled();
  const row = await gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
  return { body, row };
}

const cases = [
  ...['512', '1K', '2K', '4K'].map((size) => ({ model: 'gemini-3.1-flash-image', size })),
  ...['1K', '2K', '4K'].map((size) => ({ model: 'gemini-3-pro-image', size })),
  { model: 'gemini-2.5-flash-image', size: undefined },
];

describe('billing against upstream-sim', () => {
  for (const { model, size } of cases) {
    it(`charges a ${size ?? 'fixed-size'} ${model} image exactly the catalog price of its usage`, async () => {
      const entry = catalog.resolve(model)!;
      const { body, row } = await generate(model, size);
      const usage = body.usageMetadata;
      const imageTokens =
        usage.candidatesTokensDetails?.find((detail: { modality: string }) => detail.modality === 'IMAGE')
          ?.tokenCount ?? 0;
      // The simulator's engine renders up to 2K, so its 4K answers carry no image: they must still be
      // charged exactly their usage (the 4K image price itself is in test/billing/cost.test.ts).
      if (size !== '4K') expect(imageTokens).toBe(outputImageTokens(entry, { imageSize: size }));
      const price = costOfUsage(usage, entry);
      expect(price.tokens.outputImage).toBe(imageTokens);
      expect(price.tokens.thoughts).toBe(usage.thoughtsTokenCount ?? 0);
      expect(Number(row.charged_micros)).toBe(price.micros);
      expect(Number(row.charged_micros)).toBeGreaterThan(0);
    });
  }

  it('charges a 2.5 flash answer reporting 1290 image tokens the 38,700 micro-USD Google charges for them', async () => {
    const { body, row } = await generate('nano-banana');
    const textNano = body.usageMetadata.promptTokenCount * 300;
    expect(Number(row.charged_micros)).toBe(Math.ceil((1290 * 30_000 + textNano) / 1000));
    expect(Math.ceil((1290 * 30_000) / 1000)).toBe(38_700);
  });

  it('keeps the ledger, key balance and request log equal after all of that', async () => {
    await gateway.settled();
    expectBalanced(await billingTotals(gateway.running.gateway.database));
  });

  it('turns a route to billing under review within one request once upstream usage drifts', async () => {
    const { db } = gateway.running.gateway.database;
    await generate('gemini-3.1-flash-lite-image', '1K');
    expect((await billingStatus(db, 'gemini-3.1-flash-lite-image', 'drifting-sim')).status).toBe(
      'consistent',
    );
    driftSim.setFaults(['usage-drift:1.5']);
    await generate('gemini-3.1-flash-lite-image', '1K');
    const status = await billingStatus(db, 'gemini-3.1-flash-lite-image', 'drifting-sim');
    expect(status.status).toBe('under review');
    expect(status.evidence[0]).toMatchObject({
      kind: 'output_image_tokens',
      reportedTokens: 1680,
      expectedTokens: 1120,
      driftPpm: 500_000,
    });
    expect((await billingStatus(db, 'gemini-3.1-flash-image', 'google-sim')).status).toBe('consistent');
  });
});
