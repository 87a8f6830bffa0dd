// One group commit carries several tenants' holds, claims and settles: a faulty operation fails
// alone, and a client's request id is claimed once per key, by the database, on SQLite and PostgreSQL.
import { expect, it } from 'vitest';
import { Ledger, type HoldRequest, type SettleRequest } from '../../src/billing/ledger.js';
import { createClientKey } from '../../src/store/index.js';
import { expectBalanced, billingTotals } from '../helpers/billing-checks.js';
import { deferredSettle } from '../helpers/settle-request.js';
import { describeEachBackend } from '../store/backends.js';

function hold(requestId: string, keyId: string, amountMicros: number, clientRequestId?: string): HoldRequest {
  return {
    requestId,
    keyId,
    amountMicros,
    door: 'gemini',
    model: 'gemini-3.1-flash-image',
    stream: false,
    clientRequest: clientRequestId ? { id: clientRequestId, requestId } : undefined,
  };
}

function settleOfHold(
  requestId: string,
  keyId: string,
  holdMicros: number,
  chargedMicros: number,
): SettleRequest {
  return { ...deferredSettle(requestId, keyId, holdMicros, chargedMicros), deferredHold: undefined };
}

describeEachBackend('ledger group commit isolation', (current) => {
  it("fails only the faulty operation of a group, never its neighbours' holds and settles", async () => {
    const { db } = current();
    const limited = (await createClientKey(db, { name: 'limited', spendLimitMicros: 1_000_000 })).record.id;
    const unlimited = (await createClientKey(db, { name: 'unlimited' })).record.id;
    const ledger = new Ledger(db);
    expect(await ledger.hold(hold('iso-a', limited, 50_000))).toEqual({ admitted: true });
    expect(await ledger.hold(hold('iso-b', limited, 50_000))).toEqual({ admitted: true });
    // iso-b's settle row already exists, so its insert fails inside the group's transaction.
    await db
      .insertInto('ledger')
      .values({
        id: 'iso-b:settle',
        request_id: 'iso-b',
        key_id: limited,
        kind: 'settle',
        amount_micros: 1,
        created_at: 1,
      })
      .execute();
    // All four queue in one event-loop turn, so they share one transaction at first.
    const outcomes = await Promise.allSettled([
      ledger.settle(settleOfHold('iso-a', limited, 50_000, 30_000)),
      ledger.settle(settleOfHold('iso-b', limited, 50_000, 30_000)),
      ledger.settle(deferredSettle('iso-c', unlimited, 40_000, 20_000)),
      ledger.hold(hold('iso-d', limited, 10_000)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[3] as PromiseFulfilledResult<unknown>).value).toEqual({ admitted: true });
    const charged = await db
      .selectFrom('request_log')
      .select(['id', 'charged_micros'])
      .where('id', 'in', ['iso-a', 'iso-b', 'iso-c'])
      .orderBy('id')
      .execute();
    expect(charged.map((row) => [row.id, Number(row.charged_micros)])).toEqual([
      ['iso-a', 30_000],
      ['iso-c', 20_000],
    ]);
    const unlimitedTotals = await billingTotals(current(), unlimited);
    expectBalanced(unlimitedTotals);
    expect(unlimitedTotals.spent).toBe(20_000);
    await ledger.close();
  });

  it('claims a client request id once per key, whichever ledger (replica) asks, and lets other keys use it', async () => {
    const { db } = current();
    const first = (await createClientKey(db, { name: 'first' })).record.id;
    const second = (await createClientKey(db, { name: 'second' })).record.id;
    const replicaA = new Ledger(db);
    const replicaB = new Ledger(db);
    const claim = (ledger: Ledger, keyId: string, requestId: string) =>
      ledger.claim({ keyId, clientRequest: { id: 'client-7', requestId } });
    const results = await Promise.all([
      claim(replicaA, first, 'req-1'),
      claim(replicaB, first, 'req-2'),
      claim(replicaA, first, 'req-3'),
      claim(replicaB, second, 'req-4'),
    ]);
    expect(results.filter((result) => result.admitted)).toHaveLength(2);
    expect(results[3]).toEqual({ admitted: true }); // another key's id space
    // A sub-call of the request that holds the claim shares it.
    const winner = results.slice(0, 3).findIndex((result) => result.admitted);
    expect(await claim(replicaB, first, `req-${winner + 1}`)).toEqual({ admitted: true });
    const rows = await db.selectFrom('client_request_ids').selectAll().execute();
    expect(rows).toHaveLength(2);
    await Promise.all([replicaA.close(), replicaB.close()]);
  });

  it('claims with the hold for a key with a spend limit, and frees the id when the limit refuses', async () => {
    const { db } = current();
    const limited = (await createClientKey(db, { name: 'tight', spendLimitMicros: 60_000 })).record.id;
    const ledger = new Ledger(db);
    expect(await ledger.hold(hold('tight-1', limited, 50_000, 'same'))).toEqual({ admitted: true });
    expect(await ledger.hold(hold('tight-2', limited, 5_000, 'same'))).toEqual({
      admitted: false,
      reason: 'duplicate_request_id',
    });
    // Over the limit: refused before any upstream call, so the id stays free for a later try.
    expect(await ledger.hold(hold('tight-3', limited, 50_000, 'later'))).toMatchObject({
      admitted: false,
      reason: 'spend_limit',
    });
    await ledger.settle(settleOfHold('tight-1', limited, 50_000, 0));
    expect(await ledger.hold(hold('tight-4', limited, 50_000, 'later'))).toEqual({ admitted: true });
    await ledger.settle(settleOfHold('tight-4', limited, 50_000, 0));
    expect((await billingTotals(current(), limited)).openHolds).toBe(0);
    await ledger.close();
  });
});
