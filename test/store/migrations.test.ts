import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/index.js';
import { describeEachBackend } from './backends.js';

const tables = [
  'channel_state',
  'client_keys',
  'conversation_turns',
  'holds',
  'ledger',
  'request_attempts',
  'request_log',
  'retest_results',
  'route_gone',
  'upstream_models',
];

describeEachBackend('migrations', (current) => {
  it('creates every table', async () => {
    const found = await current().db.introspection.getTables();
    const names = found.map((table) => table.name);
    for (const table of tables) expect(names).toContain(table);
  });

  it('runs a second time without changing anything', async () => {
    const results = await migrateToLatest(current().db);
    expect(results).toEqual([]);
    await expect(migrateToLatest(current().db)).resolves.toEqual([]);
  });

  it('keeps money and token amounts above 2^31 exact', async () => {
    const { db } = current();
    const large = 2 ** 31 * 1000 + 7;
    await db
      .insertInto('ledger')
      .values({ id: 'l1', request_id: 'r1', key_id: null, kind: 'hold', amount_micros: large, created_at: 1 })
      .execute();
    const row = await db.selectFrom('ledger').selectAll().executeTakeFirstOrThrow();
    expect(row.amount_micros).toBe(large);
    expect(typeof row.amount_micros).toBe('number');
    expect(row.created_at).toBe(1);
  });

  it('stores thumbnails as bytes and reads them back unchanged', async () => {
    const { db } = current();
    const thumbnail = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]);
    await db
      .insertInto('retest_results')
      .values({
        id: 'retest-1',
        created_at: Date.now(),
        model: 'local-image-edit',
        channel: 'local-engine',
        door: 'gemini',
        outcome: 'pass',
        error_class: null,
        latency_ms: 120,
        usage: JSON.stringify({ totalTokenCount: 1300 }),
        billed_micros: 39_000,
        expected_micros: 39_000,
        input_thumb: thumbnail,
        output_thumb: null,
        details: null,
      })
      .execute();
    const row = await db.selectFrom('retest_results').selectAll().executeTakeFirstOrThrow();
    expect(Buffer.compare(Buffer.from(row.input_thumb ?? []), thumbnail)).toBe(0);
    expect(row.output_thumb).toBeNull();
  });

  it('fills channel state defaults', async () => {
    const { db } = current();
    await db
      .insertInto('channel_state')
      .values({ channel: 'c', model: 'm', key_fingerprint: '', updated_at: 5 })
      .execute();
    const row = await db.selectFrom('channel_state').selectAll().executeTakeFirstOrThrow();
    expect(row.circuit).toBe('closed');
    expect(row.consecutive_failures).toBe(0);
  });
});
