import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type SettleRequest } from '../../src/billing/ledger.js';
import { releaseOpenHolds } from '../../src/billing/recover-holds.js';
import { replaySettleJournals, SettleJournal } from '../../src/billing/settle-journal.js';
import { createClientKey, migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { deferredSettle } from '../helpers/settle-request.js';

const self = `${hostname()}:${process.pid}:aaaaaa`;
const gone = `${hostname()}:${2 ** 22 + 777}:bbbbbb`; // above pid_max: never alive

let database: StoreDatabase;
let journalDir: string;
let keyId: string;

beforeEach(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-journal-'));
  database = await openDatabase(undefined, dataDir);
  await migrateToLatest(database.db);
  journalDir = join(dataDir, 'imagegate.db-settles');
  keyId = (await createClientKey(database.db, { name: 'journal' })).record.id;
});
afterEach(() => database.close());

function settle(requestId: string, chargedMicros: number): SettleRequest {
  return deferredSettle(requestId, keyId, 50_000, chargedMicros);
}

async function charged(requestId: string): Promise<number | undefined> {
  const row = await database.db
    .selectFrom('request_log')
    .select('charged_micros')
    .where('id', '=', requestId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.charged_micros);
}

async function spent(): Promise<number> {
  const row = await database.db
    .selectFrom('client_keys')
    .select('spent_micros')
    .where('id', '=', keyId)
    .executeTakeFirstOrThrow();
  return Number(row.spent_micros);
}

const journalLines = () =>
  readdirSync(journalDir).flatMap((name) =>
    readFileSync(join(journalDir, name), 'utf8').split('\n').filter(Boolean),
  );

describe('journaled settles', () => {
  it('resolves once journaled, commits the batch later, and deletes the journal when closed', async () => {
    const ledger = new Ledger(database.db, {
      journal: new SettleJournal(journalDir, self),
      settleBatchMs: 60_000,
    });
    await ledger.settle(settle('j1', 38_700));
    await ledger.settle(settle('j2', 40_000));
    // Durable in the journal, not yet in the database.
    expect(journalLines().map((line) => (JSON.parse(line) as SettleRequest).requestId)).toEqual(['j1', 'j2']);
    expect(await charged('j1')).toBeUndefined();

    await ledger.flush();
    expect(await charged('j1')).toBe(38_700);
    expect(await charged('j2')).toBe(40_000);
    expect(await spent()).toBe(78_700);
    expect(readdirSync(journalDir)).toHaveLength(1); // not full yet: appended to by the next batch
    await ledger.close();
    expect(readdirSync(journalDir)).toEqual([]);
  });

  it('waits for the commit when a settle cannot be journaled', async () => {
    const ledger = new Ledger(database.db, {
      journal: new SettleJournal(journalDir, self),
      settleBatchMs: 60_000,
    });
    rmSync(journalDir, { recursive: true }); // its file cannot be created now
    let done = false;
    const settled = ledger.settle(settle('nj', 1_000)).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    expect(await charged('nj')).toBeUndefined();
    await ledger.flush();
    await settled;
    expect(await charged('nj')).toBe(1_000);
    await ledger.close();
  });

  it('deletes a full journal file once every settle in it is committed', async () => {
    const ledger = new Ledger(database.db, {
      journal: new SettleJournal(journalDir, self, 1),
      settleBatchMs: 60_000,
    });
    await ledger.settle(settle('f1', 1_000));
    expect(readdirSync(journalDir)).toHaveLength(1);
    await ledger.flush();
    expect(readdirSync(journalDir)).toEqual([]);
    await ledger.settle(settle('f2', 1_000));
    expect(readdirSync(journalDir)).toHaveLength(1);
    await ledger.flush();
    expect(readdirSync(journalDir)).toEqual([]);
    expect(await charged('f2')).toBe(1_000);
  });

  it('commits a pending settle with the next hold, so a spend limit sees it', async () => {
    const limited = (await createClientKey(database.db, { name: 'limited', spendLimitMicros: 100_000 }))
      .record.id;
    const ledger = new Ledger(database.db, {
      journal: new SettleJournal(journalDir, self),
      settleBatchMs: 60_000,
    });
    const hold = (requestId: string) =>
      ledger.hold({
        requestId,
        keyId: limited,
        amountMicros: 60_000,
        door: 'gemini',
        model: 'gemini-3.1-flash-image',
        stream: false,
      });
    expect(await hold('h1')).toEqual({ admitted: true });
    await ledger.settle({
      ...settle('h1', 30_000),
      keyId: limited,
      holdMicros: 60_000,
      deferredHold: undefined,
    });
    // The second hold fits only once the first one's 30,000 unused micro-USD are released.
    expect(await hold('h2')).toEqual({ admitted: true });
    expect(await charged('h1')).toBe(30_000);
    await ledger.close();
  });

  it('keeps the journal of a batch that failed to commit, for the next start', async () => {
    const failures: number[] = [];
    const ledger = new Ledger(database.db, {
      journal: new SettleJournal(journalDir, self),
      settleBatchMs: 60_000,
      onJournaledFailure: (_error, settles) => failures.push(settles),
    });
    await ledger.settle(settle('j3', 1_000));
    await ledger.settle(settle('j4', 2_000));
    await sql`ALTER TABLE request_log RENAME TO request_log_away`.execute(database.db); // the batch fails
    await ledger.close();
    // Each settle was tried again alone (so a neighbour's fault fails only itself); both failed.
    expect(failures).toEqual([1, 1]);
    expect(journalLines()).toHaveLength(2);
  });
});

describe('replaying the journal of a process that is gone', () => {
  it('charges what it answered exactly once, however often it is replayed', async () => {
    const dead = new SettleJournal(journalDir, gone);
    await Promise.all([dead.append(settle('r1', 38_700)), dead.append(settle('r2', 0))]);
    dead.close = () => {}; // the process was killed: nothing is closed or deleted
    const copy = readdirSync(journalDir).map((name) => [name, readFileSync(join(journalDir, name))] as const);

    const first = await replaySettleJournals(database.db, journalDir, (owner) => owner === gone);
    expect(first).toEqual({ files: 1, settles: 2, unreadable: 0 });
    expect(await charged('r1')).toBe(38_700);
    expect(await charged('r2')).toBe(0);
    expect(await spent()).toBe(38_700);
    expect(readdirSync(journalDir)).toEqual([]);

    // The same file again (a crash during the replay): nothing is charged twice.
    for (const [name, bytes] of copy) writeFileSync(join(journalDir, name), bytes);
    await replaySettleJournals(database.db, journalDir, (owner) => owner === gone);
    expect(await spent()).toBe(38_700);
    const ledgerRows = await database.db
      .selectFrom('ledger')
      .select('id')
      .where('request_id', '=', 'r1')
      .execute();
    expect(ledgerRows).toHaveLength(3); // hold, settle, release
  });

  it('leaves a live process its journal and skips a line cut short', async () => {
    const live = new SettleJournal(journalDir, self);
    await live.append(settle('l1', 5_000));
    writeFileSync(
      join(journalDir, `${encodeURIComponent(gone)}.1.jsonl`),
      `${JSON.stringify(settle('g1', 7_000))}\n{"requestId":"g2","ke`,
    );
    const result = await replaySettleJournals(database.db, journalDir, (owner) => owner === gone);
    expect(result).toEqual({ files: 1, settles: 1, unreadable: 1 });
    expect(await charged('g1')).toBe(7_000);
    expect(await charged('l1')).toBeUndefined();
    expect(readdirSync(journalDir)).toHaveLength(1);
    live.close();
  });

  it('runs before holds are released, so an answered request is charged, not released', async () => {
    const limited = (await createClientKey(database.db, { name: 'limited', spendLimitMicros: 1_000_000 }))
      .record.id;
    const ledger = new Ledger(database.db, { owner: gone });
    await ledger.hold({
      requestId: 'answered',
      keyId: limited,
      amountMicros: 60_000,
      door: 'gemini',
      model: 'gemini-3.1-flash-image',
      stream: false,
      owner: gone,
    });
    await new SettleJournal(journalDir, gone).append({
      ...settle('answered', 40_000),
      keyId: limited,
      holdMicros: 60_000,
      deferredHold: undefined,
    });
    const replays: unknown[] = [];
    const released = await releaseOpenHolds(database.db, Date.now(), {
      self,
      maxAgeMs: 600_000,
      journalDir,
      onReplay: (replayed) => replays.push(replayed),
    });
    expect(released).toBe(0);
    expect(replays).toEqual([{ files: 1, settles: 1, unreadable: 0 }]);
    expect(await charged('answered')).toBe(40_000);
    const key = await database.db
      .selectFrom('client_keys')
      .select(['spent_micros', 'reserved_micros'])
      .where('id', '=', limited)
      .executeTakeFirstOrThrow();
    expect([Number(key.spent_micros), Number(key.reserved_micros)]).toEqual([40_000, 0]);
    expect(existsSync(journalDir) && readdirSync(journalDir)).toEqual([]);
  });
});
