// The ledger's writer thread: the same group commits as on the event loop, through its own
// connection to the SQLite file, with the errors, lock waits and thread failure a gateway meets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/billing/ledger.js';
import { groupJson, startLedgerThread } from '../../src/billing/ledger-thread.js';
import type { LedgerOperation } from '../../src/billing/ledger-transaction.js';
import { createClientKey, migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { deferredSettle } from '../helpers/settle-request.js';

let database: StoreDatabase;
let file: string;
let unlimited: string;
let limited: string;

beforeAll(async () => {
  database = await openDatabase(undefined, mkdtempSync(join(tmpdir(), 'imagegate-ledger-thread-')));
  await migrateToLatest(database.db);
  file = database.file as string;
  unlimited = (await createClientKey(database.db, { name: 'unlimited' })).record.id;
  limited = (await createClientKey(database.db, { name: 'limited', spendLimitMicros: 100_000 })).record.id;
});
afterAll(() => database.close());

const hold = (requestId: string, keyId: string, amountMicros: number): LedgerOperation => ({
  kind: 'hold',
  request: { requestId, keyId, amountMicros, door: 'gemini', model: 'gemini-3.1-flash-image', stream: false },
});

async function ledgerRows(requestIds: string[]) {
  const rows = await database.db
    .selectFrom('ledger')
    .select(['id', 'amount_micros'])
    .where('request_id', 'in', requestIds)
    .orderBy('id')
    .execute();
  return rows.map((row) => [row.id, Number(row.amount_micros)]);
}

describe('ledger writer thread', () => {
  it('commits holds and settles the gateway connection then reads, with the same answers', async () => {
    const thread = startLedgerThread(file, database.db);
    try {
      const results = await thread.write([
        hold('t-hold-1', limited, 60_000),
        hold('t-hold-2', limited, 60_000), // over the 100_000 limit with the first one reserved
        hold('t-hold-1', limited, 10_000), // a reused request id
        { kind: 'settle', request: deferredSettle('t-settle-1', unlimited, 50_000, 38_700) },
      ]);
      expect(results).toEqual([
        { admitted: true },
        {
          admitted: false,
          reason: 'spend_limit',
          spendLimitMicros: 100_000,
          spentMicros: 0,
          reservedMicros: 60_000,
        },
        { admitted: false, reason: 'duplicate_request_id' },
        undefined,
      ]);
      expect(await ledgerRows(['t-hold-1', 't-hold-2', 't-settle-1'])).toEqual([
        ['t-hold-1:hold', 60_000],
        ['t-settle-1:hold', 50_000],
        ['t-settle-1:release', 11_300],
        ['t-settle-1:settle', 38_700],
      ]);
      const key = await database.db
        .selectFrom('client_keys')
        .select('reserved_micros')
        .where('id', '=', limited)
        .executeTakeFirstOrThrow();
      expect(Number(key.reserved_micros)).toBe(60_000);
    } finally {
      await thread.close();
    }
  });

  it('rejects a group that fails with its error and commits none of it', async () => {
    const thread = startLedgerThread(file, database.db);
    try {
      const broken = deferredSettle('t-broken', unlimited, 10_000, 5_000);
      (broken.logEntry as { door: unknown }).door = null; // request_log.door is NOT NULL
      await expect(
        thread.write([
          { kind: 'settle', request: deferredSettle('t-fine', unlimited, 10_000, 5_000) },
          { kind: 'settle', request: broken },
        ]),
      ).rejects.toMatchObject({
        code: 'SQLITE_CONSTRAINT_NOTNULL',
        message: expect.stringMatching(/NOT NULL/),
      });
      expect(await ledgerRows(['t-fine', 't-broken'])).toEqual([]);
      // The thread goes on with the next group.
      await thread.write([{ kind: 'settle', request: deferredSettle('t-after', unlimited, 10_000, 5_000) }]);
      expect(await ledgerRows(['t-after'])).toHaveLength(3);
    } finally {
      await thread.close();
    }
  });

  it('waits for another connection’s write lock instead of failing', async () => {
    const thread = startLedgerThread(file, database.db);
    const other = new BetterSqlite3(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      other.prepare('UPDATE client_keys SET name = name WHERE id = ?').run(unlimited);
      let committed = false;
      const write = thread
        .write([{ kind: 'settle', request: deferredSettle('t-waited', unlimited, 10_000, 5_000) }])
        .then(() => {
          committed = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(committed).toBe(false);
      other.exec('COMMIT');
      await write;
      expect(await ledgerRows(['t-waited'])).toHaveLength(3);
    } finally {
      other.close();
      await thread.close();
    }
  });

  it('reports a thread that cannot run and commits on the event loop instead', async () => {
    const stopped: Error[] = [];
    // A directory is not a database file: the thread's connection fails as it starts.
    const thread = startLedgerThread(
      mkdtempSync(join(tmpdir(), 'imagegate-not-a-db-')),
      database.db,
      (error) => stopped.push(error),
    );
    const ledger = new Ledger(database.db, { writeGroup: thread.write });
    const first = ledger.settle(deferredSettle('t-fallback-1', unlimited, 10_000, 5_000)).then(
      () => 'committed',
      () => 'rejected',
    );
    // Whether the first group reached the thread before it died or not, later ones commit.
    await first;
    for (let waited = 0; stopped.length === 0 && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(stopped).toHaveLength(1);
    await ledger.settle(deferredSettle('t-fallback-2', unlimited, 10_000, 5_000));
    expect(await ledgerRows(['t-fallback-2'])).toHaveLength(3);
    await thread.close();
  });
});

describe('groupJson', () => {
  it('is the group as JSON, reusing a settle’s journal JSON as it is', () => {
    const settle = deferredSettle('j1', 'key', 10_000, 5_000);
    const group: LedgerOperation[] = [
      hold('j0', 'key', 1_000),
      { kind: 'settle', request: settle, json: JSON.stringify(settle) },
      { kind: 'settle', request: deferredSettle('j2', 'key', 10_000, 0) },
    ];
    expect(JSON.parse(groupJson(group))).toEqual(group.map(({ kind, request }) => ({ kind, request })));
    const marked = groupJson([{ kind: 'settle', request: settle, json: '{"from":"journal"}' }]);
    expect(JSON.parse(marked)).toEqual([{ kind: 'settle', request: { from: 'journal' } }]);
  });
});
