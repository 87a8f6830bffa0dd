// One request's billing against a real store (SQLite, and PostgreSQL when reachable), no server:
// admission holds the worst case durably, closing charges what the refund policy says per image
// delivered and releases the rest, the spend limit holds under a burst of concurrent admits, and a
// client's request id is served once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessAdmission } from '../../src/shared-state/in-process/admission.js';
import { costOfUsage } from '../../src/billing/cost.js';
import { estimatePromptTokens } from '../../src/billing/estimate-tokens.js';
import { Ledger } from '../../src/billing/ledger.js';
import {
  type BillingOutcome,
  type BillingTicket,
  RequestBilling,
  type RequestBillingOptions,
} from '../../src/billing/request-billing.js';
import { expectedCost } from '../../src/billing/worst-case.js';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { GatewayError } from '../../src/canonical/errors.js';
import { summarizeRequest } from '../../src/canonical/summarize.js';
import type { GenerateContentRequest, UsageMetadata } from '../../src/canonical/types.js';
import {
  type ClientKeyRecord,
  createClientKey,
  type RequestLogEntry,
  type StoreDatabase,
} from '../../src/store/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { describeEachBackend } from '../store/backends.js';

const model = loadBuiltinCatalog().resolve('gemini-3.1-flash-image')!;
const promptText = 'a red circle on a white background';

function imageRequest(candidateCount = 1): GenerateContentRequest {
  return {
    contents: [{ role: 'user', parts: [{ text: promptText }] }],
    generationConfig: { responseModalities: ['IMAGE'], candidateCount, imageConfig: { imageSize: '1K' } },
  };
}

const summaryOf = (request: GenerateContentRequest) =>
  summarizeRequest(request, { imageOnly: false, canOutputImage: true });

/** What the upstream reports for `images` 1K images (and the prompt). */
function usageFor(images: number): UsageMetadata {
  const imageTokens = images * 1120;
  return {
    promptTokenCount: 12,
    candidatesTokenCount: imageTokens,
    totalTokenCount: 12 + imageTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }],
  };
}

/** The catalog's price of `images` delivered images of this request (an answer without usage). */
function catalogPrice(images: number): number {
  const prompt = estimatePromptTokens(imageRequest(), model);
  return expectedCost({ model, prompt, images, imageSize: '1K' }).micros;
}

function logEntry(
  requestId: string,
  client: ClientKeyRecord,
  outcome: Partial<RequestLogEntry> = {},
): RequestLogEntry {
  return {
    id: requestId,
    createdAt: Date.now(),
    keyId: client.id,
    door: 'gemini',
    model: model.id,
    channel: 'sim',
    status: 200,
    errorClass: null,
    latencyMs: 5,
    attempts: 1,
    imagesOut: 0,
    chargedMicros: 0,
    stream: false,
    ...outcome,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describeEachBackend(
  'request billing',
  (current) => {
    function billingOn(store: StoreDatabase, options: Partial<RequestBillingOptions> = {}) {
      const errors: Array<{ error: unknown; requestId: string }> = [];
      const billing = new RequestBilling({
        ledger: new Ledger(store.db),
        admission: new InProcessAdmission(),
        config: { driftThreshold: 0.1, heldMultiplier: 1, settleBatchMs: 20 },
        watchdogMs: 60_000,
        onError: (error, requestId) => errors.push({ error, requestId }),
        ...options,
      });
      return { billing, errors };
    }

    // The file's tests share one store: each has keys and request ids of its own.
    let serial = 0;
    const unique = (name: string) => {
      serial += 1;
      return `${name}-${serial}`;
    };

    async function keyWith(settings: Parameters<typeof createClientKey>[1]): Promise<ClientKeyRecord> {
      return (await createClientKey(current().db, { ...settings, name: unique(settings.name) })).record;
    }

    function admit(
      billing: RequestBilling,
      client: ClientKeyRecord,
      requestId: string,
      fields: { candidates?: number; clientRequestId?: string } = {},
    ): Promise<BillingTicket> {
      const request = imageRequest(fields.candidates);
      // Request ids are unique in the log: a test's are named after its key.
      const id = `${client.name}/${requestId}`;
      return billing.admit(
        {
          requestId: id,
          door: 'gemini',
          client,
          model,
          request,
          stream: false,
          clientRequest: fields.clientRequestId ? { id: fields.clientRequestId, requestId: id } : undefined,
        },
        summaryOf(request),
        () => logEntry(id, client, { status: 0 }),
      );
    }

    function close(
      billing: RequestBilling,
      ticket: BillingTicket,
      client: ClientKeyRecord,
      outcome: BillingOutcome,
    ) {
      return billing.close(
        ticket,
        outcome,
        logEntry(ticket.requestId, client, {
          status: outcome.status,
          imagesOut: outcome.imagesOut,
          errorClass: outcome.status >= 400 ? 'connection' : null,
        }),
      );
    }

    async function chargedInLog(requestId: string): Promise<number> {
      const row = await current()
        .db.selectFrom('request_log')
        .select('charged_micros')
        .where('id', '=', requestId)
        .executeTakeFirstOrThrow();
      return Number(row.charged_micros);
    }

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
