// One request's billing against a real store (SQLite, and PostgreSQL when reachable), no server:
// admission holds the worst case durably, and closing charges what the refund policy says per image
// delivered and releases the rest.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { costOfUsage } from '../../src/billing/cost.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { describeEachBackend } from '../store/backends.js';
import {
  catalogPrice,
  imageRequest,
  model,
  requestBillingKit,
  summaryOf,
  usageFor,
} from '../helpers/request-billing-kit.js';

afterEach(() => {
  vi.useRealTimers();
});

describeEachBackend(
  'request billing',
  (current) => {
    const { billingOn, keyWith, admit, close, chargedInLog } = requestBillingKit(current);

    describe('holds', () => {
      it('holds the worst case durably before the upstream call, the same as the estimate says', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'hold-1');
        const estimate = billing.estimate(model, imageRequest(), summaryOf(imageRequest()));
        expect(ticket.holdMicros).toBe(estimate.worstCaseMicros);
        expect(ticket.holdMicros).toBeGreaterThan(catalogPrice(1));
        const totals = await billingTotals(current(), client.id);
        expect(totals).toMatchObject({ openHolds: 1, reserved: ticket.holdMicros, spent: 0 });
        await close(billing, ticket, client, {
          status: 200,
          usage: usageFor(1),
          imagesOut: 1,
          channel: 'sim',
        });
        await billing.closeAll();
      });

      it('holds for every image a request may return', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const one = await admit(billing, client, 'one-image');
        const three = await admit(billing, client, 'three-images', { candidates: 3 });
        const imageHold = three.holdMicros - one.holdMicros;
        // Two more images, each held at least at its catalog price.
        expect(imageHold).toBeGreaterThanOrEqual(2 * (catalogPrice(2) - catalogPrice(1)));
        expect((await billingTotals(current(), client.id)).reserved).toBe(one.holdMicros + three.holdMicros);
        await billing.closeAll();
      });

      it('places no hold when admission refuses (a rate limit)', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000, requestsPerMinute: 1 });
        const { billing } = billingOn(current());
        const first = await admit(billing, client, 'rate-1');
        const refusal = await admit(billing, client, 'rate-2').catch((error: unknown) => error);
        expect(refusal).toMatchObject({ errorClass: 'rate_limited', httpStatus: 429 });
        expect((await billingTotals(current(), client.id)).reserved).toBe(first.holdMicros);
        await billing.closeAll();
      });
    });

    describe('settling', () => {
      it("charges the upstream's reported usage and releases the rest of the hold", async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'settle-1');
        const charged = await close(billing, ticket, client, {
          status: 200,
          usage: usageFor(1),
          imagesOut: 1,
          channel: 'sim',
        });
        expect(charged).toBe(costOfUsage(usageFor(1), model).micros);
        expect(charged).toBeLessThanOrEqual(ticket.holdMicros);
        const totals = await billingTotals(current(), client.id);
        expectBalanced(totals);
        expect(totals.spent).toBe(charged);
        expect(await chargedInLog(ticket.requestId)).toBe(charged);
      });

      it('charges per image delivered when the answer has no usage: one of three held', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'per-image', { candidates: 3 });
        const charged = await close(billing, ticket, client, { status: 200, imagesOut: 1, channel: 'sim' });
        expect(charged).toBe(catalogPrice(1));
        expectBalanced(await billingTotals(current(), client.id));
      });

      it.each([
        ['an upstream error', 502],
        ['a request that never finished', 0],
      ])('charges nothing for %s, usage or not, and releases the whole hold', async (_name, status) => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'failed');
        const charged = await close(billing, ticket, client, {
          status,
          usage: usageFor(1),
          imagesOut: 0,
          channel: 'sim',
        });
        expect(charged).toBe(0);
        const totals = await billingTotals(current(), client.id);
        expectBalanced(totals);
        expect(totals.spent).toBe(0);
      });

      it('charges only the images that went out before a failure, not the failed rest', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'broken-off', { candidates: 3 });
        const charged = await close(billing, ticket, client, { status: 502, imagesOut: 1, channel: 'sim' });
        expect(charged).toBe(catalogPrice(1));
        expectBalanced(await billingTotals(current(), client.id));
      });

      it('never charges a key with a spend limit more than its hold, whatever the upstream reports', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'over-report');
        const reported = costOfUsage(usageFor(6), model).micros;
        expect(reported).toBeGreaterThan(ticket.holdMicros);
        const charged = await close(billing, ticket, client, {
          status: 200,
          usage: usageFor(6),
          imagesOut: 6,
          channel: 'sim',
        });
        expect(charged).toBe(ticket.holdMicros);
        expectBalanced(await billingTotals(current(), client.id));
      });

      it('charges a key without a spend limit what was reported, its hold written as at least that', async () => {
        const client = await keyWith({ name: 'unlimited' });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'unlimited-1');
        expect((await billingTotals(current(), client.id)).reserved).toBe(0); // no durable hold before the call
        const charged = await close(billing, ticket, client, {
          status: 200,
          usage: usageFor(6),
          imagesOut: 6,
          channel: 'sim',
        });
        expect(charged).toBe(costOfUsage(usageFor(6), model).micros);
        const totals = await billingTotals(current(), client.id);
        expectBalanced(totals);
        expect(totals.spent).toBe(charged);
      });

      it('closes once: a second close returns the first charge and writes nothing more', async () => {
        const client = await keyWith({ name: 'limited', spendLimitMicros: 10_000_000 });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'twice');
        const first = close(billing, ticket, client, {
          status: 200,
          usage: usageFor(1),
          imagesOut: 1,
          channel: 'sim',
        });
        const second = close(billing, ticket, client, { status: 502, imagesOut: 0, channel: null });
        expect(second).toBe(first);
        const charged = await first;
        expect(await second).toBe(charged);
        const totals = await billingTotals(current(), client.id);
        expectBalanced(totals);
        expect(totals.spent).toBe(charged);
      });

      it('frees the concurrency slot when the request closes', async () => {
        const client = await keyWith({
          name: 'one-at-a-time',
          spendLimitMicros: 10_000_000,
          concurrencyLimit: 1,
        });
        const { billing } = billingOn(current());
        const ticket = await admit(billing, client, 'slot-1');
        await expect(admit(billing, client, 'slot-2')).rejects.toMatchObject({ errorClass: 'rate_limited' });
        await close(billing, ticket, client, {
          status: 200,
          usage: usageFor(1),
          imagesOut: 1,
          channel: 'sim',
        });
        await close(billing, await admit(billing, client, 'slot-3'), client, {
          status: 200,
          imagesOut: 1,
          channel: 'sim',
        });
      });
    });
  },
  { freshFor: 'file' },
);
