import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/billing/ledger.js';
import { createClientKey, migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { deferredSettle } from '../helpers/settle-request.js';

let database: StoreDatabase;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  database = await openDatabase(undefined, mkdtempSync(join(tmpdir(), 'imagegate-ledger-')));
  await migrateToLatest(database.db);
  keyA = (await createClientKey(database.db, { name: 'a' })).record.id;
  keyB = (await createClientKey(database.db, { name: 'b' })).record.id;
});
afterAll(() => database.close());

describe('Ledger group commit of settles without a spend limit', () => {
  it('writes many settles of one event-loop turn together, exactly as one by one would', async () => {
    const ledger = new Ledger(database.db);
    const settles = [
      deferredSettle('g1', keyA, 50_000, 38_700),
      deferredSettle('g2', keyA, 50_000, 40_000),
      deferredSettle('g3', keyB, 50_000, 0), // failed: hold and release only
      deferredSettle('g1', keyA, 50_000, 38_700), // the same request id again, in the same group
      deferredSettle('g4', keyB, 30_000, 45_000), // reported more than the worst case
    ];
    await Promise.all(settles.map((settle) => ledger.settle(settle)));
    await ledger.settle(deferredSettle('g2', keyA, 50_000, 40_000)); // and again in a later group

    const ledgerRows = await database.db
      .selectFrom('ledger')
      .select(['id', 'kind', 'amount_micros'])
      .where('request_id', 'in', ['g1', 'g2', 'g3', 'g4'])
      .orderBy('id')
      .execute();
    expect(ledgerRows.map((row) => [row.id, Number(row.amount_micros)])).toEqual([
      ['g1:hold', 50_000],
      ['g1:release', 11_300],
      ['g1:settle', 38_700],
      ['g2:hold', 50_000],
      ['g2:release', 10_000],
      ['g2:settle', 40_000],
      ['g3:hold', 50_000],
      ['g3:release', 50_000],
      ['g4:hold', 30_000],
      ['g4:release', -15_000],
      ['g4:settle', 45_000],
    ]);
    const keys = await database.db
      .selectFrom('client_keys')
      .select(['id', 'spent_micros', 'reserved_micros'])
      .where('id', 'in', [keyA, keyB])
      .execute();
    const byId = new Map(keys.map((key) => [key.id, key]));
    expect(Number(byId.get(keyA)?.spent_micros)).toBe(78_700);
    expect(Number(byId.get(keyB)?.spent_micros)).toBe(45_000);
    expect(Number(byId.get(keyA)?.reserved_micros)).toBe(0);
    const logged = await database.db
      .selectFrom('request_log')
      .select(['id', 'charged_micros'])
      .where('id', 'in', ['g1', 'g2', 'g3', 'g4'])
      .orderBy('id')
      .execute();
    expect(logged.map((row) => [row.id, Number(row.charged_micros)])).toEqual([
      ['g1', 38_700],
      ['g2', 40_000],
      ['g3', 0],
      ['g4', 45_000],
    ]);
    const attempts = await database.db
      .selectFrom('request_attempts')
      .select('request_id')
      .where('request_id', 'in', ['g1', 'g2', 'g3', 'g4'])
      .execute();
    expect(attempts).toHaveLength(4);
  });
});
