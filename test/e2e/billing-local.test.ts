import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

// One 512 image of local-image-edit costs 747 tokens x $1000/1M = 747,000 micro-USD in this config.
const imageMicros = 747_000;
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    configYaml: 'models:\n  - id: local-image-edit\n    pricing: { outputImage: "1000" }\n',
  });
});
afterAll(async () => {
  await gateway.close();
});

const drawRequest = {
  contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
  generationConfig: { responseModalities: ['IMAGE'], imageConfig: { imageSize: '512' } },
};

function generate(key: string, body: unknown = drawRequest, action = 'generateContent') {
  return fetch(`${gateway.url}/v1beta/models/local-image-edit:${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify(body),
  });
}

async function admin(method: string, path: string, body?: unknown, key = gateway.adminKey) {
  return fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function createKey(settings: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const response = await admin('POST', '/admin/keys', settings);
  expect(response.status).toBe(201);
  return response.json();
}

const database = () => gateway.running.gateway.database;

describe('billing through the gateway with the local engine', () => {
  it('charges the catalog price, and the ledger, the key and the request log agree', async () => {
    const { id, key } = await createKey({ name: 'ledger-check' });
    const response = await generate(key);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id') ?? '';
    await gateway.settled();
    const row = await database()
      .db.selectFrom('request_log')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(Number(row.charged_micros)).toBe(imageMicros);
    const ledger = await (await admin('GET', `/admin/ledger?request=${requestId}`)).json();
    const kinds = Object.fromEntries(
      ledger.entries.map((entry: { kind: string; amountMicros: number }) => [entry.kind, entry.amountMicros]),
    );
    expect(kinds.settle).toBe(imageMicros);
    expect(kinds.hold - kinds.settle - (kinds.release ?? 0)).toBe(0);
    const totals = await billingTotals(database(), id);
    expect(totals).toMatchObject({ openHolds: 0, reserved: 0, ledgerOutstanding: 0 });
    expect(totals.spent).toBe(imageMicros);
    expect(totals.ledgerCharged).toBe(imageMicros);
    expect(totals.requestLogCharged).toBe(imageMicros);
  });

  it('settles a streamed answer from its last usageMetadata', async () => {
    const { id, key } = await createKey({ name: 'stream-check' });
    const response = await generate(key, drawRequest, 'streamGenerateContent?alt=sse');
    expect(response.status).toBe(200);
    await response.text();
    await gateway.settled();
    const totals = await billingTotals(database(), id);
    expect(totals).toMatchObject({ openHolds: 0, spent: imageMicros, requestLogCharged: imageMicros });
  });

  it('serves and charges at most 50 of 200 concurrent requests on a key whose limit buys 50 images', async () => {
    const { id, key } = await createKey({ name: 'fifty-images', spendLimitUsd: (50 * imageMicros) / 1e6 });
    const responses = await Promise.all(Array.from({ length: 200 }, () => generate(key)));
    const statuses = await Promise.all(
      responses.map(async (response) => {
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBe(50);
    expect(statuses.filter((status) => status === 429)).toHaveLength(150);
    await gateway.settled();
    const totals = await billingTotals(database(), id);
    expectBalanced(totals);
    expect(totals.spent).toBe(50 * imageMicros);
    const next = await generate(key);
    expect(next.status).toBe(429);
    const body = await next.json();
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toMatch(/spend limit/);
  });

  it('answers the third request in a minute with 429, Retry-After and RetryInfo in the Gemini envelope', async () => {
    const { key } = await createKey({ name: 'two-per-minute', requestsPerMinute: 2 });
    expect((await generate(key)).status).toBe(200);
    expect((await generate(key)).status).toBe(200);
    const limited = await generate(key);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await limited.json();
    expect(body.error.code).toBe(429);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toMatch(/2 requests per minute/);
    expect(body.error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${retryAfter}s`,
    });
  });

  it('puts the dry-run cost of a request in countTokens headers without changing its body', async () => {
    const response = await generate(gateway.key, drawRequest, 'countTokens');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-imagegate-estimated-cost-usd')).toBe('0.747000');
    expect(Number(response.headers.get('x-imagegate-worst-case-cost-usd'))).toBeGreaterThanOrEqual(0.747);
    expect(Object.keys(await response.json()).sort()).toEqual(['promptTokensDetails', 'totalTokens']);
  });
});

describe('admin API', () => {
  it('refuses a client key with 403 in the {error:{message,type,param,code}} envelope', async () => {
    const response = await admin('GET', '/admin/keys', undefined, gateway.key);
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error.message).toMatch(/IMAGEGATE_ADMIN_KEY/);
    expect(body.error).toHaveProperty('type');
    expect(body.error).toHaveProperty('code');
  });

  it('creates a key shown once, lists it without the key, updates and revokes it', async () => {
    const created = await createKey({ name: 'admin-flow', models: ['local-image-edit'], spendLimitUsd: 2 });
    expect(created.key).toMatch(/^ig_/);
    const list = await (await admin('GET', '/admin/keys')).json();
    const listed = list.keys.find((entry: { id: string }) => entry.id === created.id);
    expect(listed).toMatchObject({ name: 'admin-flow', spendLimitMicros: 2_000_000 });
    expect(JSON.stringify(list)).not.toContain(created.key);
    const patched = await admin('PATCH', `/admin/keys/${created.id}`, { requestsPerMinute: 10 });
    expect((await patched.json()).requestsPerMinute).toBe(10);
    expect((await generate(created.key)).status).toBe(200);
    expect((await admin('DELETE', `/admin/keys/${created.id}`)).status).toBe(200);
    const refused = await generate(created.key);
    expect(refused.status).toBe(403);
  });

  it('names the bad field of an invalid key body', async () => {
    const response = await admin('POST', '/admin/keys', { name: 'bad', spendLimitUsd: -1 });
    expect(response.status).toBe(400);
    expect((await response.json()).error.param).toBe('spendLimitUsd');
  });

  it('exports usage as CSV and JSON, and estimates a request', async () => {
    const csv = await admin('GET', '/admin/usage?format=csv&since=1h');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toMatch(/^keyName,keyId,model,requests/);
    expect(text).toContain('fifty-images');
    const json = await (await admin('GET', '/admin/usage?key=fifty-images')).json();
    expect(json.usage[0]).toMatchObject({ chargedMicros: 50 * imageMicros, imagesOut: 50 });
    const estimate = await (
      await admin('POST', '/admin/estimate', {
        model: 'nano-banana-2',
        ...drawRequest,
        generationConfig: { responseModalities: ['IMAGE'] },
      })
    ).json();
    expect(estimate.model).toBe('gemini-3.1-flash-image');
    expect(estimate.outputImageTokens).toBe(1120);
    expect(estimate.worstCaseMicros).toBeGreaterThan(estimate.estimatedCostMicros);
  });
});
