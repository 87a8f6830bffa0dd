// Billing for one generation request, whatever the door: admit (rate limits, concurrency, spend hold
// placed durably before the upstream call), then close exactly once with the stated charge. A
// watchdog and shutdown release anything a door forgot, so no path leaves a hold open.
import type { CatalogModel } from '../catalog/catalog.js';
import type { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { GenerateContentRequest, RequestSummary, UsageMetadata } from '../canonical/types.js';
import type { BillingConfig } from '../config/types.js';
import type { ClientKeyRecord, Door, RequestLogEntry } from '../store/index.js';
import type { AdmissionControl } from '../shared-state/admission.js';
import { estimatePromptTokens, type PromptTokenEstimate } from './estimate-tokens.js';
import type { ClientRequestRef, HoldResult, Ledger, SettleRequest } from './ledger.js';
import { decideCharge } from './refund-policy.js';
import { reconcileRequest } from './reconcile.js';
import { expectedCost, imagesRequested, requestBounds, worstCase } from './worst-case.js';

export interface BillingSubject {
  requestId: string;
  door: Door;
  client: ClientKeyRecord;
  model: CatalogModel;
  request: GenerateContentRequest;
  stream: boolean;
  /** The client's own request id: claimed with the hold, so a replay is refused (409), never served. */
  clientRequest?: ClientRequestRef;
}

export interface BillingOutcome {
  status: number;
  usage?: UsageMetadata;
  imagesOut: number;
  channel: string | null;
  /**
   * The request's upstream charge when the door prices it itself (Responses pass-through: a text
   * model the catalog does not price): the basis of a successful answer instead of `usage`.
   */
  pricedMicros?: number;
}

export interface AdmitOptions {
  /** The hold, computed by the door (Responses pass-through), instead of the image model's worst case. */
  holdMicros?: number;
}

/** An admitted request's open hold; close it once through RequestBilling.close. */
export interface BillingTicket {
  requestId: string;
  keyId: string;
  holdMicros: number;
  model: CatalogModel;
  imageSize?: string;
  /** Output tokens one image of this request costs, for an answer without usage. */
  tokensPerImage: number;
  prompt: PromptTokenEstimate;
  closed: boolean;
  /** The client's request id this request claimed (see SettleRequest.clientRequest). */
  clientRequest?: ClientRequestRef;
  /** No durable hold yet (key without a spend limit): written at settle, see SettleRequest. */
  deferredHold?: SettleRequest['deferredHold'];
  release(): void;
  watchdog?: NodeJS.Timeout;
  /** Set once close has begun; later closes await the same commit. */
  closing?: Promise<number>;
}

export interface CostEstimate {
  estimatedCostMicros: number;
  worstCaseMicros: number;
  promptTokens: number;
  outputImageTokens: number;
}

export interface RequestBillingOptions {
  ledger: Ledger;
  admission: AdmissionControl;
  config: BillingConfig;
  /** A ticket still open this long after admission is released as interrupted. */
  watchdogMs: number;
  onError: (error: unknown, requestId: string) => void;
}

export class RequestBilling {
  private readonly open = new Map<string, { ticket: BillingTicket; entry: () => RequestLogEntry }>();

  constructor(private readonly options: RequestBillingOptions) {}

  /** config.billing.heldMultiplier, for a door that computes its own hold (AdmitOptions.holdMicros). */
  get heldMultiplier(): number {
    return this.options.config.heldMultiplier;
  }

  /** Expected and worst-case cost of a request, without admitting it (countTokens, /admin/estimate). */
  estimate(model: CatalogModel, request: GenerateContentRequest, summary: RequestSummary): CostEstimate {
    const prompt = estimatePromptTokens(request, model);
    const images = imagesRequested(summary);
    const expected = expectedCost({ model, prompt, images, imageSize: summary.imageSize });
    const worst = worstCase({
      model,
      ...requestBounds(model, request, summary, false),
      heldMultiplier: this.options.config.heldMultiplier,
    });
    return {
      estimatedCostMicros: expected.micros,
      worstCaseMicros: worst.micros,
      promptTokens: prompt.totalTokens,
      outputImageTokens: expected.tokens.outputImage,
    };
  }

  /**
   * Admits the request and durably holds its worst-case cost. `interruptedEntry` describes the
   * log row written if the ticket is abandoned. Throws a 429 GatewayError when a limit says no.
   */
  async admit(
    subject: BillingSubject,
    summary: RequestSummary,
    interruptedEntry: () => RequestLogEntry,
    options: AdmitOptions = {},
  ): Promise<BillingTicket> {
    const { client, model } = subject;
    const images = imagesRequested(summary);
    const pass = await this.options.admission.admit({
      keyId: client.id,
      images,
      limits: {
        requestsPerMinute: client.requestsPerMinute,
        imagesPerMinute: client.imagesPerMinute,
        concurrencyLimit: client.concurrencyLimit,
      },
    });
    const prompt = estimatePromptTokens(subject.request, model);
    const bounds = requestBounds(model, subject.request, summary, subject.stream);
    const hold =
      options.holdMicros === undefined
        ? worstCase({ model, ...bounds, heldMultiplier: this.options.config.heldMultiplier })
        : { micros: options.holdMicros };
    // Without a spend limit there is nothing to admit against: the hold is written with the settle,
    // in one transaction, instead of a durable write before the upstream call.
    // A client's own request id is claimed durably before the upstream call either way: in the
    // hold's transaction, or (no hold) by one insert; requests without one pay nothing extra.
    const deferHold = client.spendLimitMicros === null;
    let result: HoldResult;
    try {
      if (deferHold) {
        result = subject.clientRequest
          ? await this.options.ledger.claim({ keyId: client.id, clientRequest: subject.clientRequest })
          : { admitted: true };
      } else {
        result = await this.options.ledger.hold({
          requestId: subject.requestId,
          keyId: client.id,
          amountMicros: hold.micros,
          door: subject.door,
          model: model.id,
          stream: subject.stream,
          clientRequest: subject.clientRequest,
        });
      }
    } catch (error) {
      pass.release();
      throw error;
    }
    if (!result.admitted) {
      pass.release();
      throw result.reason === 'duplicate_request_id'
        ? errorCatalogue.DUPLICATE_REQUEST_ID(subject.clientRequest?.id ?? subject.requestId)
        : spendLimitReached(result.spendLimitMicros, result.spentMicros, hold.micros);
    }
    const ticket: BillingTicket = {
      requestId: subject.requestId,
      keyId: client.id,
      holdMicros: hold.micros,
      model,
      imageSize: summary.imageSize,
      tokensPerImage: bounds.typicalTokensPerImage,
      prompt,
      closed: false,
      deferredHold: deferHold ? { createdAt: Date.now() } : undefined,
      clientRequest: subject.clientRequest,
      release: pass.release,
    };
    this.open.set(ticket.requestId, { ticket, entry: interruptedEntry });
    ticket.watchdog = setTimeout(() => {
      this.options.onError(new Error('billing ticket abandoned; releasing its hold'), ticket.requestId);
      void this.close(ticket, { status: 0, imagesOut: 0, channel: null }, interrupted(interruptedEntry()));
    }, this.options.watchdogMs);
    ticket.watchdog.unref();
    return ticket;
  }

  /**
   * Charges per the refund policy, releases the rest, and writes the log row in the same commit.
   * Resolves with the charge once durable; a second close returns the first one's charge.
   */
  close(ticket: BillingTicket, outcome: BillingOutcome, entry: RequestLogEntry): Promise<number> {
    if (ticket.closing) return ticket.closing;
    ticket.closed = true;
    clearTimeout(ticket.watchdog);
    ticket.release();
    const decision = decideCharge({
      model: ticket.model,
      status: outcome.status,
      usage: outcome.usage,
      imagesOut: outcome.imagesOut,
      imageSize: ticket.imageSize,
      tokensPerImage: ticket.tokensPerImage,
      prompt: ticket.prompt,
      pricedMicros: outcome.pricedMicros,
      // A spend limit is a limit: the charge never exceeds the hold admitted against it.
      capMicros: ticket.deferredHold ? undefined : ticket.holdMicros,
    });
    // A door-priced charge is the upstream's own counts at its own prices: the image model's catalog
    // has nothing to reconcile it against.
    const evidence =
      outcome.pricedMicros !== undefined
        ? []
        : reconcileRequest({
            model: ticket.model,
            status: outcome.status,
            decision,
            usage: outcome.usage,
            imagesOut: outcome.imagesOut,
            imageSize: ticket.imageSize,
            tokensPerImage: ticket.tokensPerImage,
            threshold: this.options.config.driftThreshold,
          });
    ticket.closing = this.options.ledger
      .settle({
        requestId: ticket.requestId,
        keyId: ticket.keyId,
        // Without a limit nothing was admitted against the hold: it is written as at least the charge.
        holdMicros: ticket.deferredHold ? Math.max(ticket.holdMicros, decision.micros) : ticket.holdMicros,
        chargedMicros: decision.micros,
        logEntry: { ...entry, chargedMicros: decision.micros },
        evidence,
        channel: outcome.channel,
        deferredHold: ticket.deferredHold,
        clientRequest: ticket.clientRequest,
      })
      .then(() => decision.micros)
      .finally(() => this.open.delete(ticket.requestId));
    return ticket.closing;
  }

  /** Commits every settle queued so far (a journaled settle is committed in a batch shortly after). */
  flush(): Promise<void> {
    return this.options.ledger.flush();
  }

  /** Shutdown: closes every ticket still open as interrupted (charged 0). */
  async closeAll(): Promise<void> {
    const pending = [...this.open.values()].map(({ ticket, entry }) =>
      this.close(ticket, { status: 0, imagesOut: 0, channel: null }, interrupted(entry())).catch(
        (error: unknown) => this.options.onError(error, ticket.requestId),
      ),
    );
    await Promise.all(pending);
    await this.options.ledger.close();
  }
}

function interrupted(entry: RequestLogEntry): RequestLogEntry {
  return { ...entry, status: 0, errorClass: 'interrupted' };
}

function formatUsd(micros: number): string {
  return `$${(micros / 1e6).toFixed(6).replace(/0{1,4}$/, '')}`;
}

export function spendLimitReached(
  limitMicros: number,
  spentMicros: number,
  holdMicros: number,
): GatewayError {
  const exhausted = spentMicros + holdMicros > limitMicros;
  return errorCatalogue.SPEND_LIMIT_REACHED(
    exhausted
      ? `This API key has reached its spend limit (${formatUsd(spentMicros)} of ${formatUsd(limitMicros)} spent; this request may cost up to ${formatUsd(holdMicros)}). Ask the gateway admin to raise it (PATCH /admin/keys/{id} with spendLimitUsd).`
      : `This API key's spend limit (${formatUsd(limitMicros)}) is reserved by requests in flight; retry when they finish.`,
    exhausted ? undefined : 2,
  );
}
