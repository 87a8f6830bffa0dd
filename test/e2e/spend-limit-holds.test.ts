// A spend limit is a limit: many concurrent requests on a small-limit key, through every door, never
// charge more than the limit, whatever the request leaves to the model's defaults.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { startUsageUpstream, type UsageUpstream } from '../helpers/usage-upstream.js';

const flash = 'gemini-3.1-flash-image';
const pro = 'gemini-3-pro-image';
// Its own model, so that no other channel takes a request meant for the usage-setting upstream.
const hostileModel = 'gemini-3.1-flash-lite-image';
let pngBase64: string;
let googleSim: UpstreamSim;
let driftingSim: UpstreamSim;
let openAiSim: UpstreamSim;
let hostile: UsageUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  pngBase64 = (
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00f' } })
      .png()
      .toBuffer()
  ).toString('base64');
  // A Gemini upstream that answers with a real image and whatever usageMetadata the test sets.
  hostile = await startUsageUpstream(pngBase64);
  googleSim = await startUpstreamSim({ port: 0 });
  driftingSim = await startUpstreamSim({ port: 0, faults: ['usage-drift:1.5'] });
  openAiSim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('google-sim', googleSim.url, [flash, 'gemini-nano-banana-2.1'])}${simChannelYaml('drifting-sim', driftingSim.url, [pro])}${simChannelYaml('hostile', hostile.url, [hostileModel])}  - name: openai-sim
    provider: openai-compatible
    baseUrl: ${openAiSim.url}
    apiKeys: ["sim-key-openai"]
    models: [gpt-image-2]
retest:
  enabled: false
`,
  });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([googleSim.close(), driftingSim.close(), openAiSim.close()]);
  await hostile.close();
});

async function createKey(name: string, spendLimitUsd: number): Promise<{ id: string; key: string }> {
  const response = await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, spendLimitUsd, controlled: true }),
  });
  expect(response.status).toBe(201);
  return response.json();
}

function post(path: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

/** What each answer was: an image, or the spend-limit refusal in the door's own envelope. */
async function outcome(response: Response): Promise<'image' | 'spend limit' | string> {
  const text = await response.text();
  if (response.status === 429) {
    const limited = /spend limit|RESOURCE_EXHAUSTED|insufficient_quota/.test(text);
    return limited ? 'spend limit' : `429 ${text.slice(0, 200)}`;
  }
  const hasImage = /"inlineData"|"b64_json"|data:image\/png;base64,/.test(text);
  return response.status === 200 && hasImage ? 'image' : `${response.status} ${text.slice(0, 200)}`;
}

/**
 * Sum of charges ≤ limit, spend == ledger == request log, no hold left open, each settle ≤ its hold,
 * and (unless the upstream over-reports) no charge was cut by the cap: the hold covered the answer.
 */
async function expectLimitHeld(keyId: string, limitMicros: number, overReported = false): Promise<number> {
  await gateway.settled();
  const { database } = gateway.running.gateway;
  const totals = await billingTotals(database, keyId);
  expectBalanced(totals);
  expect(totals.ledgerCharged).toBeLessThanOrEqual(limitMicros);
  const rows = await database.db
    .selectFrom('ledger')
    .select(['request_id', 'kind', 'amount_micros'])
    .where('key_id', '=', keyId)
    .execute();
  const held = new Map(rows.filter((row) => row.kind === 'hold').map((row) => [row.request_id, row]));
  for (const settle of rows.filter((row) => row.kind === 'settle')) {
    expect(Number(settle.amount_micros)).toBeLessThanOrEqual(
      Number(held.get(settle.request_id)?.amount_micros),
    );
  }
  if (!overReported) {
    const capped = await database.db
      .selectFrom('billing_evidence')
      .select('request_id')
      .where('request_id', 'in', [...held.keys(), ''])
      .where('details', 'like', '%uncappedMicros%')
      .execute();
    expect(capped).toEqual([]);
  }
  return totals.ledgerCharged;
}

describe('spend limits under concurrency, with the model left to its defaults', () => {
  it('keeps a $0.20 key within its limit when 12 concurrent Gemini requests name no responseModalities', async () => {
    const { id, key } = await createKey('gemini-defaults', 0.2);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        index % 2 === 0
          ? post(`/v1beta/models/${flash}:generateContent`, key, {
              contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
            })
          : post(`/v1beta/models/${flash}:streamGenerateContent?alt=sse`, key, {
              contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
            }),
      ),
    );
    const outcomes = await Promise.all(responses.map(outcome));
    expect(outcomes.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    expect(outcomes).toContain('image');
    const charged = await expectLimitHeld(id, 200_000);
    expect(charged).toBeGreaterThan(0);
  });

  it('keeps a $0.20 key within its limit when 12 concurrent chat completions name no modalities', async () => {
    const { id, key } = await createKey('chat-defaults', 0.2);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        post('/v1/chat/completions', key, {
          model: 'gemini-nano-banana-2.1',
          messages: [{ role: 'user', content: 'a red circle on a white background' }],
          stream: index % 2 === 1,
        }),
      ),
    );
    const outcomes = await Promise.all(responses.map(outcome));
    expect(outcomes.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    expect(outcomes).toContain('image');
    await expectLimitHeld(id, 200_000);
  });

  it('holds the price of the gpt-image quality and size asked for, so a $0.45 key buys two high portraits', async () => {
    const { id, key } = await createKey('gpt-image-high', 0.45);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        post('/v1/images/generations', key, {
          model: 'gpt-image-2',
          prompt: 'a red circle on a white background',
          quality: 'high',
          size: '1024x1536',
        }),
      ),
    );
    const outcomes = await Promise.all(responses.map(outcome));
    expect(outcomes.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    expect(outcomes.filter((result) => result === 'image').length).toBeGreaterThan(0);
    expect(outcomes.filter((result) => result === 'image').length).toBeLessThanOrEqual(2);
    await expectLimitHeld(id, 450_000);
  });

  it('holds the dearest quality a gpt-image auto may pick, for each of n images', async () => {
    const { id, key } = await createKey('gpt-image-auto', 0.5);
    const responses = await Promise.all(
      Array.from({ length: 3 }, () =>
        post('/v1/images/generations', key, {
          model: 'gpt-image-2',
          prompt: 'a red circle',
          quality: 'auto',
          size: '1024x1536',
          n: 2,
        }),
      ),
    );
    const outcomes = await Promise.all(responses.map(outcome));
    expect(outcomes.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    await expectLimitHeld(id, 500_000);
  });

  it('holds an image for a gpt-image model asked for text only on the Gemini door (it makes only images)', async () => {
    const { id, key } = await createKey('gpt-image-text-only', 0.3);
    const responses = await Promise.all(
      Array.from({ length: 3 }, () =>
        post('/v1beta/models/gpt-image-2:generateContent', key, {
          contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
          generationConfig: { responseModalities: ['TEXT'] },
        }),
      ),
    );
    const outcomes = await Promise.all(responses.map(outcome));
    expect(outcomes.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    expect(outcomes).toContain('image');
    await expectLimitHeld(id, 300_000);
  });

  it('charges at most the hold when the upstream reports half again the usage it should', async () => {
    const { id, key } = await createKey('drifting', 0.2);
    const statuses: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      statuses.push(
        await outcome(
          await post(`/v1beta/models/${pro}:generateContent`, key, {
            contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
            generationConfig: { responseModalities: ['IMAGE'] },
          }),
        ),
      );
    }
    expect(statuses[0]).toBe('image');
    expect(statuses.filter((result) => result !== 'image' && result !== 'spend limit')).toEqual([]);
    await expectLimitHeld(id, 200_000, true);
    const evidence = await gateway.running.gateway.database.db
      .selectFrom('billing_evidence')
      .select(['kind', 'details'])
      .where('kind', '=', 'charge_mismatch')
      .execute();
    expect(evidence.some((row) => String(row.details).includes('capped at the hold'))).toBe(true);
  });
});

describe('usage an upstream reports that cannot be priced', () => {
  const hostileReports: [string, unknown][] = [
    ['1e300 output tokens', { promptTokenCount: 10, candidatesTokenCount: 1e300 }],
    ['negative output tokens', { promptTokenCount: 10, candidatesTokenCount: -500_000 }],
    ['token counts as text', { promptTokenCount: '10', candidatesTokenCount: '1120' }],
    ['fractional image tokens', { candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 0.5 }] }],
    ['a details list of nulls', { candidatesTokensDetails: [null] }],
  ];
  for (const [label, usage] of hostileReports) {
    it(`settles an answer reporting ${label}: charged within the hold, no hold left open`, async () => {
      hostile.setUsage(usage);
      const { id, key } = await createKey(`hostile-${label}`, 0.2);
      const response = await post(`/v1beta/models/${hostileModel}:generateContent`, key, {
        contents: [{ parts: [{ text: 'a blue square' }] }],
      });
      expect(await outcome(response)).toBe('image');
      const charged = await expectLimitHeld(id, 200_000);
      const served = await gateway.running.gateway.database.db
        .selectFrom('request_log')
        .select('channel')
        .where('key_id', '=', id)
        .execute();
      expect(served).toEqual([{ channel: 'hostile' }]);
      // Priced as the catalog's image of the default size (1K: 1120 tokens at $30 per 1M), as for an
      // answer without usage.
      expect(charged).toBeGreaterThanOrEqual(1120 * 30);
    });
  }
});

describe('candidate counts the hold could misread', () => {
  for (const candidateCount of ['3', 2.5, 0, -1, 1e300]) {
    it(`refuses candidateCount ${JSON.stringify(candidateCount)} with a 400 naming the field, before any hold`, async () => {
      const { id, key } = await createKey(`candidates-${String(candidateCount)}`, 1);
      const response = await post('/v1beta/models/gpt-image-2:generateContent', key, {
        contents: [{ parts: [{ text: 'a red circle' }] }],
        generationConfig: { candidateCount },
      });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toContain('generationConfig.candidateCount');
      expect(await expectLimitHeld(id, 1_000_000)).toBe(0);
    });
  }
});
