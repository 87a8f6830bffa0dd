import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessLedgerWriter, Ledger, type SettleRequest } from '../../src/billing/ledger.js';
import { startLedgerThread } from '../../src/billing/ledger-thread.js';
import { createClientKey, migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';

let database: StoreDatabase;
let limitedKey: string;
let openKey: string;

beforeAll(async () => {
  database = await openDatabase(undefined, mkdtempSync(join(tmpdir(), 'imagegate-ledger-thread-')));
  await migrateToLatest(database.db);
  limitedKey = (await createClientKey(database.db, { name: 'limited', spendLimitMicros: 100_000 })).record.id;
  openKey = (await createClientKey(database.db, { name: 'open' })).record.id;
});
afterAll(() => database.close());

function settle(requestId: string, keyId: string, overrides: Partial<SettleRequest> = {}): SettleRequest {
  return {
    requestId,
    keyId,
    holdMicros: 60_000,
    chargedMicros: 40_000,
    channel: 'sim',
    evidence: [],
    logEntry: {
      id: requestId,
      createdAt: Date.now(),
      keyId,
      door: 'gemini',
      model: 'gemini-2.5-flash-image',
      channel: 'sim',
      status: 200,
      errorClass: null,
      latencyMs: 3,
      attempts: 1,
      imagesOut: 1,
      chargedMicros: 40_000,
      stream: false,
    },
    ...overrides,
  };
}

function threadLedger(file: string, onError: (error: Error) => void = () => {}) {
  const writer = startLedgerThread(file, inProcessLedgerWriter(database.db), onError);
  return new Ledger(database.db, { writer });
}

const hold = (requestId: string, amountMicros: number) => ({
  requestId,
  keyId: limitedKey,
  amountMicros,
  door: 'gemini' as const,
  model: 'gemini-2.5-flash-image',
  stream: false,
});

describe('the ledger thread', () => {
  it('admits holds against the spend limit and settles them, visible to this process once awaited', async () => {
    const ledger = threadLedger(database.sqliteFile ?? '');
    try {
      const [first, second] = await Promise.all([
        ledger.hold(hold('t1', 60_000)),
        ledger.hold(hold('t2', 60_000)),
      ]);
      expect(first).toEqual({ admitted: true });
      expect(second).toMatchObject({ admitted: false, reason: 'spend_limit', reservedMicros: 60_000 });
      await ledger.settle(settle('t1', limitedKey));
      const key = await database.db
        .selectFrom('client_keys')
        .select(['spent_micros', 'reserved_micros'])
        .where('id', '=', limitedKey)
        .executeTakeFirstOrThrow();
      expect([Number(key.spent_micros), Number(key.reserved_micros)]).toEqual([40_000, 0]);
      const rows = await database.db
        .selectFrom('ledger')
        .select('id')
        .where('request_id', '=', 't1')
        .execute();
      expect(rows.map((row) => row.id).sort()).toEqual(['t1:hold', 't1:release', 't1:settle']);
    } finally {
      await ledger.close();
    }
  });

  it('rejects every operation of a group whose transaction failed, and writes none of it', async () => {
    const ledger = threadLedger(database.sqliteFile ?? '');
    try {
      const good = settle('t3', openKey, { deferredHold: { createdAt: Date.now() } });
      // A NOT NULL column left empty: the database refuses the row, so the whole group rolls back.
      const bad = settle('t4', openKey, { deferredHold: { createdAt: Date.now() } });
      (bad.logEntry as unknown as Record<string, unknown>).door = null;
      const outcomes = await Promise.allSettled([ledger.settle(good), ledger.settle(bad)]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/NOT NULL/i);
      const logged = await database.db
        .selectFrom('request_log')
        .select('id')
        .where('id', 'in', ['t3', 't4'])
        .execute();
      expect(logged).toEqual([]);
      // The thread goes on serving the next group.
      await ledger.settle(settle('t3', openKey, { deferredHold: { createdAt: Date.now() } }));
      const after = await database.db.selectFrom('request_log').select('id').where('id', '=', 't3').execute();
      expect(after).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });

  it('writes in this process when the thread cannot open the database', async () => {
    let failed!: (error: Error) => void;
    const failure = new Promise<Error>((resolve) => {
      failed = resolve;
    });
    const ledger = threadLedger(join(tmpdir(), 'no-such-directory-for-imagegate', 'x.db'), failed);
    try {
      expect((await failure).message).toMatch(/unable to open|directory does not exist/i);
      await ledger.settle(settle('t5', openKey, { deferredHold: { createdAt: Date.now() } }));
      const logged = await database.db
        .selectFrom('request_log')
        .select('id')
        .where('id', '=', 't5')
        .execute();
      expect(logged).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });
});
