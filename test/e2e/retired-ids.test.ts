// Retired ids in real use: the preview id, its alias and its GA id all reach the GA id upstream on
// every door, the answer names the model that served, and the ledger prices that model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { judgeRetestOutput } from '../../src/health/pixel-verdict.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog } from '../../src/store/index.js';
import { editDoors, editThrough } from '../helpers/edit-doors.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const ga = 'gemini-3.1-flash-image';
const preview = 'gemini-3.1-flash-image-preview';

let sim: UpstreamSim;
let gateway: TestGateway;
let rejecting: TestGateway;
let retestImage: Buffer;

// The preview entry is priced absurdly here: a charge at its price would show at once.
const previewPriceOverride = `models:
  - id: ${preview}
    pricing: { outputImage: "9999" }
`;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  retestImage = await makeRetestImage();
  gateway = await startTestGateway({
    configYaml: `${previewPriceOverride}channels:\n${simChannelYaml('google-sim', sim.url, [preview])}`,
  });
  rejecting = await startTestGateway({
    configYaml: `catalog: { retired: reject }\nchannels:\n${simChannelYaml('google-sim', sim.url, [ga])}`,
  });
});
afterAll(async () => {
  await gateway?.close();
  await rejecting?.close();
  await sim?.close();
});

const upstreamModels = () =>
  sim.received
    .filter((request) => request.method === 'POST')
    .map(
      (request) => /models\/([^/:]+):/.exec(request.path)?.[1] ?? (request.body as { model?: string })?.model,
    );

describe('a retired preview id', () => {
  for (const door of editDoors) {
    it(`is served by its GA id through the ${door} door, named and priced as the GA id`, async () => {
      const charges: number[] = [];
      for (const requested of ['nano-banana-2', preview, ga]) {
        sim.reset();
        const requestId = `retired-${door}-${requested}`;
        const answer = await editThrough(gateway, door, requested, retestImage, requestId);
        expect(answer.status, answer.text).toBe(200);
        expect(upstreamModels()).toEqual([ga]);
        expect(answer.headers.get('x-imagegate-model')).toBe(ga);
        const verdict = await judgeRetestOutput(
          retestImage,
          answer.image ? { data: answer.image } : undefined,
        );
        expect(verdict.outcome).toBe('pass');
        if (door === 'openai-chat' || door === 'openai-responses' || door === 'gemini-interactions')
          expect(JSON.parse(answer.text).model).toBe(ga);
        if (door === 'gemini') expect(JSON.parse(answer.text).modelVersion).toBe(ga);
        if (requested === preview) {
          expect(answer.headers.get('sunset')).toBe('Thu, 25 Jun 2026 00:00:00 GMT');
          expect(answer.headers.get('deprecation')).toMatch(/^@\d+$/);
          const successorPath = door.startsWith('gemini') ? `/v1beta/models/${ga}` : `/v1/models/${ga}`;
          expect(answer.headers.get('link')).toBe(`<${successorPath}>; rel="successor-version"`);
        } else {
          // The GA id is deprecated (its successor announced) with no shutdown date yet: no Sunset.
          expect(answer.headers.get('sunset')).toBeNull();
          expect(answer.headers.get('deprecation')).toBe(`@${Date.parse('2026-10-06T00:00:00Z') / 1000}`);
        }
        await gateway.settled();
        const rows = await queryRequestLog(gateway.running.gateway.database.db, { limit: 500 });
        const row = rows.find((candidate) => candidate.clientRequestId === requestId);
        expect(row?.model).toBe(ga);
        charges.push(row?.chargedMicros ?? -1);
      }
      expect(charges[0]).toBeGreaterThan(0);
      expect(new Set(charges).size).toBe(1);
    });
  }
});

describe('a dry-run estimate for a retired id', () => {
  const estimate = async (target: TestGateway, model: string) => {
    const response = await fetch(`${target.url}/admin/estimate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
        generationConfig: { responseModalities: ['IMAGE'] },
      }),
    });
    return { status: response.status, body: await response.json() };
  };

  it('prices the successor that would serve it, not the retired entry', async () => {
    const retired = await estimate(gateway, preview);
    const live = await estimate(gateway, ga);
    expect(retired.status).toBe(200);
    expect(retired.body.model).toBe(ga);
    expect(retired.body.estimatedCostMicros).toBe(live.body.estimatedCostMicros);
    expect(retired.body.worstCaseMicros).toBe(live.body.worstCaseMicros);
  });

  it('answers 410 model_retired under the reject policy', async () => {
    const refused = await estimate(rejecting, preview);
    expect(refused.status).toBe(410);
    expect(refused.body.error).toMatchObject({ code: 'model_retired', param: 'model' });
    expect(refused.body.error.message).toContain(`Use "${ga}" instead.`);
  });
});

describe('the reject policy for retired ids', () => {
  for (const door of ['gemini', 'gemini-interactions'] as const) {
    it(`answers the ${door} door with NOT_FOUND naming the successor, and calls no upstream`, async () => {
      sim.reset();
      const answer = await editThrough(rejecting, door, preview, retestImage, `reject-${door}`);
      expect(answer.status).toBe(404);
      const body = JSON.parse(answer.text);
      expect(body.error.status).toBe('NOT_FOUND');
      expect(body.error.message).toContain(`Use "${ga}" instead.`);
      expect(body.error.message).toContain('2026-06-25');
      expect(upstreamModels()).toEqual([]);
    });
  }

  for (const door of ['openai-images', 'openai-chat', 'openai-responses'] as const) {
    it(`answers the ${door} door with 410 model_retired naming the successor`, async () => {
      sim.reset();
      const answer = await editThrough(rejecting, door, preview, retestImage, `reject-${door}`);
      expect(answer.status).toBe(410);
      const body = JSON.parse(answer.text);
      expect(body.error).toMatchObject({
        code: 'model_retired',
        param: 'model',
        type: 'invalid_request_error',
      });
      expect(body.error.message).toContain(`Use "${ga}" instead.`);
      expect(upstreamModels()).toEqual([]);
    });
  }

  it('still serves the GA id and its alias', async () => {
    const answer = await editThrough(rejecting, 'gemini', 'nano-banana-2', retestImage, 'reject-alias');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-imagegate-model')).toBe(ga);
  });
});
