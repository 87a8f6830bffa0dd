// Numeric key settings on the admin API: out-of-range, imprecise or mistyped values are a 400 naming
// the field and the allowed range, on SQLite and on PostgreSQL alike; values in range are stored exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxKeyRate, maxSpendLimitUsd } from '../../src/billing/key-limits.js';
import { createScratchSpace, describeWithServices, type ScratchSpace } from '../helpers/services.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

function adminCalls(gateway: () => TestGateway) {
  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${gateway().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${gateway().adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const rejected: [string, Record<string, unknown>, string][] = [
    ['a spend limit of 1e20 USD', { spendLimitUsd: 1e20 }, 'spendLimitUsd'],
    ['a spend limit just above the maximum', { spendLimitUsd: maxSpendLimitUsd + 1 }, 'spendLimitUsd'],
    ['a spend limit finer than a micro-USD', { spendLimitUsd: 0.0000001 }, 'spendLimitUsd'],
    ['a spend limit of 1.0000005 USD', { spendLimitUsd: 1.0000005 }, 'spendLimitUsd'],
    ['a negative spend limit', { spendLimitUsd: -0.01 }, 'spendLimitUsd'],
    ['a spend limit sent as text', { spendLimitUsd: '5' }, 'spendLimitUsd'],
    ['requests per minute above the maximum', { requestsPerMinute: 3e9 }, 'requestsPerMinute'],
    ['fractional images per minute', { imagesPerMinute: 2.5 }, 'imagesPerMinute'],
    ['a zero concurrency limit', { concurrencyLimit: 0 }, 'concurrencyLimit'],
    ['a negative concurrency limit', { concurrencyLimit: -4 }, 'concurrencyLimit'],
  ];

  for (const [label, settings, field] of rejected) {
    it(`refuses ${label} with a 400 naming ${field} on create and on update`, async () => {
      const created = await admin('POST', '/admin/keys', { name: `bad-${field}`, ...settings });
      expect(created.status).toBe(400);
      const body = await created.json();
      expect(body.error.param).toBe(field);
      expect(body.error.message).toMatch(/expected|Invalid/);
      const good = await admin('POST', '/admin/keys', { name: `good-${field}-${Math.random()}` });
      const { id } = await good.json();
      const patched = await admin('PATCH', `/admin/keys/${id}`, settings);
      expect(patched.status).toBe(400);
      expect((await patched.json()).error.param).toBe(field);
    });
  }

  it('names the allowed range of a spend limit', async () => {
    const response = await admin('POST', '/admin/keys', { name: 'range', spendLimitUsd: 1e20 });
    expect((await response.json()).error.message).toContain(`from 0 to ${maxSpendLimitUsd}`);
  });

  it('stores the largest spend limit and rates exactly, and a micro-USD limit as one micro-USD', async () => {
    const response = await admin('POST', '/admin/keys', {
      name: 'largest',
      spendLimitUsd: maxSpendLimitUsd,
      requestsPerMinute: maxKeyRate,
      imagesPerMinute: maxKeyRate,
      concurrencyLimit: maxKeyRate,
    });
    expect(response.status).toBe(201);
    const created = await response.json();
    expect(created.spendLimitMicros).toBe(maxSpendLimitUsd * 1e6);
    expect(created.requestsPerMinute).toBe(maxKeyRate);
    const tiny = await admin('PATCH', `/admin/keys/${created.id}`, { spendLimitUsd: 0.000001 });
    expect(tiny.status).toBe(200);
    expect((await tiny.json()).spendLimitMicros).toBe(1);
    const cents = await admin('PATCH', `/admin/keys/${created.id}`, { spendLimitUsd: 0.29 });
    expect((await cents.json()).spendLimitMicros).toBe(290_000);
  });
}

describe('admin key limits on SQLite', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configYaml: 'retest:\n  enabled: false\n' });
  });
  afterAll(() => gateway.close());
  adminCalls(() => gateway);
});

describeWithServices('admin key limits on PostgreSQL', () => {
  let scratch: ScratchSpace;
  let gateway: TestGateway;
  beforeAll(async () => {
    scratch = await createScratchSpace();
    gateway = await startTestGateway({
      configYaml: 'retest:\n  enabled: false\n',
      env: { IMAGEGATE_DATABASE_URL: scratch.databaseUrl },
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await scratch?.dispose();
  });
  adminCalls(() => gateway);
});
