// Request billing's limits against a real store (SQLite, and PostgreSQL when reachable), no server:
// the spend limit holds under a burst of concurrent admits (one process or several replicas), a
// client's request id is served once, and tickets nobody closes are released uncharged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BillingTicket } from '../../src/billing/request-billing.js';
import { GatewayError } from '../../src/canonical/errors.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { describeEachBackend } from '../store/backends.js';
import { requestBillingKit, usageFor } from '../helpers/request-billing-kit.js';

afterEach(() => {
  vi.useRealTimers();
});

describeEachBackend(
  'request billing limits',
  (current) => {
    const { billingOn, keyWith, admit, close } = requestBillingKit(current);

    describe('the spend limit', () => {
      it('admits no more holds than the limit covers when many requests arrive at once', async () => {
        const { billing } = billingOn(current());
        const probe = await keyWith({ name: 'probe', spendLimitMicros: 10_000_000 });
        const holdMicros = (await admit(billing, probe, 'probe')).holdMicros;
        const client = await keyWith({ name: 'burst', spendLimitMicros: Math.floor(holdMicros * 3.5) });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 12 }, (_, index) => admit(billing, client, `burst-${index}`)),
        );
        const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(admitted).toHaveLength(3);
        for (const outcome of refused) {
          const reason = (outcome as PromiseRejectedResult).reason;
          expect(reason).toBeInstanceOf(GatewayError);
          expect(reason).toMatchObject({ httpStatus: 429, code: 'insufficient_quota' });
        }
        const totals = await billingTotals(current(), client.id);
        expect(totals.reserved).toBe(3 * holdMicros);
        expect(totals.reserved).toBeLessThanOrEqual(client.spendLimitMicros!);
        // Every admitted request delivers more than its hold: the limit still holds after settling.
        await Promise.all(
          admitted.map((outcome) =>
            close(billing, (outcome as PromiseFulfilledResult<BillingTicket>).value, client, {
              status: 200,
              usage: usageFor(6),
              imagesOut: 6,
              channel: 'sim',
            }),
          ),
        );
        const settled = await billingTotals(current(), client.id);
        expectBalanced(settled);
        expect(settled.spent).toBeLessThanOrEqual(client.spendLimitMicros!);
        await billing.closeAll();
      });

      it('admits no more holds than the limit covers when replicas admit at once', async () => {
        const replicas = [
          billingOn(current()).billing,
          billingOn(current()).billing,
          billingOn(current()).billing,
        ];
        const probe = await keyWith({ name: 'probe', spendLimitMicros: 10_000_000 });
        const holdMicros = (await admit(replicas[0], probe, 'probe')).holdMicros;
        const client = await keyWith({ name: 'replicated', spendLimitMicros: holdMicros * 4 });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 15 }, (_, index) => admit(replicas[index % 3], client, `replica-${index}`)),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
        expect((await billingTotals(current(), client.id)).reserved).toBe(4 * holdMicros);
        await Promise.all(replicas.map((replica) => replica.closeAll()));
        expectBalanced(await billingTotals(current(), client.id));
      });

      it('tells a key whose limit is spent from one whose limit is reserved by requests in flight', async () => {
        const { billing } = billingOn(current());
        const probe = await keyWith({ name: 'probe', spendLimitMicros: 10_000_000 });
        const holdMicros = (await admit(billing, probe, 'probe')).holdMicros;
        const client = await keyWith({ name: 'tight', spendLimitMicros: holdMicros });
        const first = await admit(billing, client, 'tight-1');
        const reserved = await admit(billing, client, 'tight-2').catch((error: unknown) => error);
        expect(reserved).toMatchObject({ httpStatus: 429, retryAfterSeconds: 2 });
        expect((reserved as Error).message).toContain('reserved by requests in flight');
        await close(billing, first, client, {
          status: 200,
          usage: usageFor(1),
          imagesOut: 1,
          channel: 'sim',
        });
        const spent = await admit(billing, client, 'tight-3').catch((error: unknown) => error);
        expect(spent).toMatchObject({ httpStatus: 429, retryAfterSeconds: undefined });
        expect((spent as Error).message).toContain('has reached its spend limit');
        await billing.closeAll();
      });
    });

    describe("a client's request id", () => {
      it.each([
        ['with a spend limit', 10_000_000],
        ['without a spend limit', null],
      ])(
        'is served once (%s), while running and after, and a refusal frees its admission slot',
        async (_name, limit) => {
          const client = await keyWith({ name: 'replayer', spendLimitMicros: limit, concurrencyLimit: 2 });
          const { billing } = billingOn(current());
          const first = await admit(billing, client, 'gw-1', { clientRequestId: 'client-42' });
          const replay = await admit(billing, client, 'gw-2', { clientRequestId: 'client-42' }).catch(
            (error: unknown) => error,
          );
          expect(replay).toMatchObject({ httpStatus: 409, code: 'duplicate_request_id' });
          // The refused replay holds no concurrency slot: a new request still fits next to the first.
          const other = await admit(billing, client, 'gw-3', { clientRequestId: 'client-43' });
          await close(billing, first, client, {
            status: 200,
            usage: usageFor(1),
            imagesOut: 1,
            channel: 'sim',
          });
          await close(billing, other, client, { status: 502, imagesOut: 0, channel: null });
          await expect(
            admit(billing, client, 'gw-4', { clientRequestId: 'client-42' }),
          ).rejects.toMatchObject({
            httpStatus: 409,
          });
          expectBalanced(await billingTotals(current(), client.id));
        },
      );

      it('is served once when the same id arrives many times at once', async () => {
        const client = await keyWith({ name: 'burst-replayer', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, index) =>
            admit(billing, client, `same-${index}`, { clientRequestId: 'once' }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        await billing.closeAll();
        expectBalanced(await billingTotals(current(), client.id));
      });
    });

    describe('tickets nobody closes', () => {
      it('are released as interrupted by the watchdog, charged nothing', async () => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const client = await keyWith({ name: 'forgotten', spendLimitMicros: 10_000_000 });
        const { billing, errors } = billingOn(current(), { watchdogMs: 30_000 });
        const ticket = await admit(billing, client, 'forgotten-1');
        vi.advanceTimersByTime(29_999);
        expect(ticket.closing).toBeUndefined();
        vi.advanceTimersByTime(1);
        expect(await ticket.closing).toBe(0);
        expect(errors.map((entry) => entry.requestId)).toEqual([ticket.requestId]);
        expectBalanced(await billingTotals(current(), client.id));
        const row = await current()
          .db.selectFrom('request_log')
          .select(['status', 'error_class'])
          .where('id', '=', ticket.requestId)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ status: 0, error_class: 'interrupted' });
      });

      it('are released at shutdown, charged nothing', async () => {
        const client = await keyWith({ name: 'shutdown', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        await Promise.all([admit(billing, client, 'open-1'), admit(billing, client, 'open-2')]);
        await billing.closeAll();
        const totals = await billingTotals(current(), client.id);
        expectBalanced(totals);
        expect(totals.spent).toBe(0);
      });
    });
  },
  { freshFor: 'file' },
);
