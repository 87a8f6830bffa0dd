// The stated policy for what a finished request is charged ("charge what the upstream charges,
// refund the rest of the hold"). Pure; docs/billing.md explains each rule.
import type { CatalogModel } from '../catalog/catalog.js';
import type { UsageMetadata } from '../canonical/types.js';
import { type CostBreakdown, costOfUsage, usableUsage } from './cost.js';
import type { PromptTokenEstimate } from './estimate-tokens.js';
import { expectedCost } from './worst-case.js';

export type ChargeBasis =
  /** The upstream answered and reported usage: its usage, priced by the catalog. */
  | 'upstream_usage'
  /** The upstream answered without usageMetadata: the catalog's expectation for what was delivered. */
  | 'catalog_estimate'
  /** No complete answer reached the client (error, broken stream, crash): nothing is charged. */
  | 'refunded_failure'
  /** The request failed or the client left, but images had already gone out: they are charged. */
  | 'delivered_before_failure';

export interface ChargeInput {
  model: CatalogModel;
  /** HTTP status the client got; 0 when the request never finished (crash recovery). */
  status: number;
  usage?: UsageMetadata;
  /** Images that went out to the client (on a failed request too: a stream cut short after one). */
  imagesOut: number;
  imageSize?: string;
  /** Output tokens one image of this request costs (RequestBounds.typicalTokensPerImage). */
  tokensPerImage?: number;
  prompt: PromptTokenEstimate;
  /** The upstream's charge as the door priced it (Responses pass-through): the basis instead of usage. */
  pricedMicros?: number;
  /** The hold of a key with a spend limit: the charge never exceeds it. Absent: no cap. */
  capMicros?: number;
}

export interface ChargeDecision {
  micros: number;
  basis: ChargeBasis;
  breakdown?: CostBreakdown;
  /** Set when the cap cut the charge: what the basis alone would have charged. */
  uncappedMicros?: number;
}

/**
 * - Failed requests (status 0 or ≥ 400) are charged 0: the client got no answer to use.
 * - Unless images went out before the failure (a client that left after the image event, a route
 *   that broke off after the image): those are charged, as the last usage seen or the catalog price
 *   of the images sent, whichever is more, since a stream's usage so far may not count them yet.
 * - Successful answers — including safety blocks and image-less answers — are charged exactly the
 *   tokens the upstream reported, so the client pays what the upstream bills and no more.
 * - Usage that cannot be priced (negative, fractional, not a number, beyond the exact range) counts
 *   as no usage.
 * - A success without usage is charged the catalog price of what was delivered (prompt estimate plus
 *   the catalog's tokens per returned image); reconciliation records it as evidence.
 * - A charge the door priced itself (Responses pass-through: the text model's usage at the channel's
 *   prices plus the image tool's at the image model's) is the basis of a successful answer.
 * - The built-in local engine is free because its catalog prices are 0, not by a special case.
 * - On a key with a spend limit the charge is capped at the request's hold, so the limit holds even
 *   when an upstream reports more than the worst case it could legitimately return (more images,
 *   more text); reconciliation records the difference as evidence (charge_mismatch).
 */
export function decideCharge(input: ChargeInput): ChargeDecision {
  const failed = input.status === 0 || input.status >= 400;
  if (failed && input.imagesOut === 0) return { micros: 0, basis: 'refunded_failure' };
  const usage = usableUsage(input.usage, input.model);
  const reported = usage ? costOfUsage(usage, input.model) : undefined;
  let decision: ChargeDecision;
  if (input.pricedMicros !== undefined && !failed) {
    decision = { micros: input.pricedMicros, basis: 'upstream_usage' };
  } else if (reported && !failed) decision = { ...chargeOf(reported), basis: 'upstream_usage' };
  else {
    const catalog = expectedCost({
      model: input.model,
      prompt: input.prompt,
      images: input.imagesOut,
      imageSize: input.imageSize,
      tokensPerImage: input.tokensPerImage,
    });
    decision = failed
      ? {
          ...chargeOf(reported && reported.micros > catalog.micros ? reported : catalog),
          basis: 'delivered_before_failure',
        }
      : { ...chargeOf(catalog), basis: 'catalog_estimate' };
  }
  if (input.capMicros === undefined || decision.micros <= input.capMicros) return decision;
  return { ...decision, micros: input.capMicros, uncappedMicros: decision.micros };
}

function chargeOf(breakdown: CostBreakdown): Pick<ChargeDecision, 'micros' | 'breakdown'> {
  return { micros: breakdown.micros, breakdown };
}
