// Reconciliation: per request, what the ledger charged vs what the upstream's usage says vs what the
// catalog expects. Drift beyond config.billing.driftThreshold becomes an evidence row, and a (model,
// channel) with recent evidence is billing `under review` on the status page.
import type { Kysely } from 'kysely';
import { type CatalogModel, outputImageTokens } from '../catalog/catalog.js';
import type { UsageMetadata } from '../canonical/types.js';
import type { DatabaseSchema } from '../store/index.js';
import { billedTokens, costOfUsage, priceTokens, usableUsage } from './cost.js';
import type { ChargeDecision } from './refund-policy.js';

export type EvidenceKind = 'output_image_tokens' | 'charge_mismatch' | 'missing_usage';

export interface EvidenceFinding {
  kind: EvidenceKind;
  chargedMicros: number;
  computedMicros: number | null;
  expectedMicros: number | null;
  reportedTokens: number | null;
  expectedTokens: number | null;
  /** |reported − expected| / expected, in parts per million. */
  driftPpm: number | null;
  details: Record<string, unknown>;
}

export interface ReconcileInput {
  model: CatalogModel;
  status: number;
  decision: ChargeDecision;
  usage?: UsageMetadata;
  imagesOut: number;
  imageSize?: string;
  /** Output tokens one image of this request costs (RequestBounds.typicalTokensPerImage). */
  tokensPerImage?: number;
  /** Relative drift tolerated (0.05 = 5 %). */
  threshold: number;
}

const partsPerMillion = 1_000_000;

/** Findings for one finished request; empty when charged, reported and expected agree. Pure. */
export function reconcileRequest(input: ReconcileInput): EvidenceFinding[] {
  const { model, decision } = input;
  if (input.status === 0 || input.status >= 400) return [];
  const usage = usableUsage(input.usage, model);
  const findings: EvidenceFinding[] = [];
  if (!usage) {
    findings.push({
      kind: 'missing_usage',
      chargedMicros: decision.micros,
      computedMicros: null,
      expectedMicros: decision.breakdown?.micros ?? null,
      reportedTokens: null,
      expectedTokens: null,
      driftPpm: null,
      details: {
        imagesOut: input.imagesOut,
        note: input.usage
          ? 'the upstream reported usageMetadata that cannot be priced'
          : 'the upstream answered without usageMetadata',
        ...capped(decision),
      },
    });
    return findings;
  }
  const computed = costOfUsage(usage, model);
  if (computed.micros !== decision.micros) {
    findings.push({
      kind: 'charge_mismatch',
      chargedMicros: decision.micros,
      computedMicros: computed.micros,
      expectedMicros: null,
      reportedTokens: null,
      expectedTokens: null,
      driftPpm: null,
      details: { usage, ...capped(decision) },
    });
  }
  if (input.imagesOut > 0) {
    const perImage = input.tokensPerImage ?? outputImageTokens(model, { imageSize: input.imageSize });
    const expectedTokens = perImage * input.imagesOut;
    const reportedTokens = billedTokens(usage).outputImage;
    const drift =
      expectedTokens === 0
        ? reportedTokens === 0
          ? 0
          : 1
        : Math.abs(reportedTokens - expectedTokens) / expectedTokens;
    if (drift > input.threshold) {
      const expectedImageCost = priceTokens(
        { inputText: 0, inputImage: 0, outputText: 0, thoughts: 0, outputImage: expectedTokens },
        model,
      );
      const reportedImageCost = priceTokens(
        { inputText: 0, inputImage: 0, outputText: 0, thoughts: 0, outputImage: reportedTokens },
        model,
      );
      findings.push({
        kind: 'output_image_tokens',
        chargedMicros: decision.micros,
        computedMicros: reportedImageCost.micros,
        expectedMicros: expectedImageCost.micros,
        reportedTokens,
        expectedTokens,
        driftPpm: Math.round(drift * partsPerMillion),
        details: { imagesOut: input.imagesOut, imageSize: input.imageSize ?? null, usage },
      });
    }
  }
  return findings;
}

/** The evidence of a charge the spend-limit cap cut (refund-policy.ts): what it would have been. */
function capped(decision: ChargeDecision): Record<string, unknown> {
  if (decision.uncappedMicros === undefined) return {};
  return {
    uncappedMicros: decision.uncappedMicros,
    note: 'charge capped at the hold of a key with a spend limit',
  };
}

export type BillingConsistency = 'consistent' | 'under review';

export interface EvidenceRow extends EvidenceFinding {
  id: string;
  createdAt: number;
  requestId: string;
  model: string;
  channel: string;
}

export interface BillingStatus {
  model: string;
  channel: string;
  status: BillingConsistency;
  /** Requests with drift inside the window. */
  driftingRequests: number;
  /** The newest evidence rows (at most `evidenceLimit`). */
  evidence: EvidenceRow[];
}

export interface BillingStatusOptions {
  /** How far back evidence counts. Default 24 hours. */
  windowMs?: number;
  evidenceLimit?: number;
  now?: number;
}

const defaultWindowMs = 24 * 60 * 60 * 1000;

/** `under review` while any request of this route drifted within the window, else `consistent`. */
export async function billingStatus(
  db: Kysely<DatabaseSchema>,
  model: string,
  channel: string,
  options: BillingStatusOptions = {},
): Promise<BillingStatus> {
  const since = (options.now ?? Date.now()) - (options.windowMs ?? defaultWindowMs);
  const rows = await db
    .selectFrom('billing_evidence')
    .selectAll()
    .where('model', '=', model)
    .where('channel', '=', channel)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .execute();
  const requests = new Set(rows.map((row) => row.request_id));
  return {
    model,
    channel,
    status: rows.length > 0 ? 'under review' : 'consistent',
    driftingRequests: requests.size,
    evidence: rows.slice(0, options.evidenceLimit ?? 10).map((row) => ({
      id: row.id,
      createdAt: Number(row.created_at),
      requestId: row.request_id,
      model: row.model,
      channel: row.channel,
      kind: row.kind as EvidenceKind,
      chargedMicros: Number(row.charged_micros),
      computedMicros: nullableNumber(row.computed_micros),
      expectedMicros: nullableNumber(row.expected_micros),
      reportedTokens: nullableNumber(row.reported_tokens),
      expectedTokens: nullableNumber(row.expected_tokens),
      driftPpm: nullableNumber(row.drift_ppm),
      details: row.details === null ? {} : (JSON.parse(row.details) as Record<string, unknown>),
    })),
  };
}

/** Every (model, channel) with evidence in the window, for the status page. */
export async function routesUnderReview(
  db: Kysely<DatabaseSchema>,
  options: BillingStatusOptions = {},
): Promise<BillingStatus[]> {
  const since = (options.now ?? Date.now()) - (options.windowMs ?? defaultWindowMs);
  const routes = await db
    .selectFrom('billing_evidence')
    .select(['model', 'channel'])
    .where('created_at', '>=', since)
    .groupBy(['model', 'channel'])
    .orderBy('model')
    .orderBy('channel')
    .execute();
  return Promise.all(routes.map((route) => billingStatus(db, route.model, route.channel, options)));
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
