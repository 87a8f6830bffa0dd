import { hostname } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newHoldOwner, ownerIsGone } from '../../src/billing/hold-owner.js';
import { releaseOpenHolds } from '../../src/billing/recover-holds.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';

const self = `${hostname()}:${process.pid}:aaaaaa`;
const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default, so never alive

describe('which hold owners are gone', () => {
  it('never treats this process as gone', () => {
    expect(ownerIsGone(self, self)).toBe(false);
  });
  it('treats a dead process on this host as gone', () => {
    expect(ownerIsGone(`${hostname()}:${deadPid}:bbbbbb`, self)).toBe(true);
  });
  it('treats a live process on this host as present', () => {
    expect(ownerIsGone(`${hostname()}:1:bbbbbb`, self, () => true)).toBe(false);
  });
  it('treats an earlier process that had our pid (a restarted container) as gone', () => {
    expect(ownerIsGone(`${hostname()}:${process.pid}:cccccc`, self)).toBe(true);
  });
  it('leaves another host to the age rule', () => {
    expect(ownerIsGone(`other-host:${deadPid}:dddddd`, self)).toBe(false);
  });
  it('treats holds written before owners were recorded as gone', () => {
    expect(ownerIsGone(null, self)).toBe(true);
  });
  it('makes owners unique per process start', () => {
    expect(newHoldOwner()).not.toBe(newHoldOwner());
  });
});

describe('crash recovery scope', () => {
  let store: StoreDatabase;
  beforeEach(async () => {
    store = await openDatabase(undefined, mkdtempSync(join(tmpdir(), 'imagegate-holds-')));
    await migrateToLatest(store.db);
  });
  afterEach(async () => {
    await store.close();
  });

  async function openHold(requestId: string, owner: string | null, createdAt: number) {
    await store.db
      .insertInto('holds')
      .values({
        request_id: requestId,
        key_id: null,
        amount_micros: 1000,
        created_at: createdAt,
        state: 'open',
        closed_at: null,
        door: 'gemini',
        model: 'local-image-edit',
        stream: 0,
        owner,
      })
      .execute();
  }

  it('releases only holds whose owner is gone or that are older than any request', async () => {
    const now = Date.now();
    await openHold('mine', self, now - 1000);
    await openHold('dead-local', `${hostname()}:${deadPid}:bbbbbb`, now - 1000);
    await openHold('other-host-young', `other-host:77:eeeeee`, now - 1000);
    await openHold('other-host-old', `other-host:77:eeeeee`, now - 10 * 60_000);
    const released = await releaseOpenHolds(store.db, now, { self, maxAgeMs: 5 * 60_000 });
    expect(released).toBe(2);
    const states = await store.db
      .selectFrom('holds')
      .select(['request_id', 'state'])
      .orderBy('request_id')
      .execute();
    expect(Object.fromEntries(states.map((row) => [row.request_id, row.state]))).toEqual({
      'dead-local': 'released',
      mine: 'open',
      'other-host-old': 'released',
      'other-host-young': 'open',
    });
    const interrupted = await store.db
      .selectFrom('request_log')
      .select(['id', 'status', 'error_class'])
      .orderBy('id')
      .execute();
    expect(interrupted.map((row) => [row.id, row.status, row.error_class])).toEqual([
      ['dead-local', 0, 'interrupted'],
      ['other-host-old', 0, 'interrupted'],
    ]);
  });
});
