// The stated policy for what a finished request is charged ("charge what the upstream charges,
// refund the rest of the hold"). Pure; docs/billing.md explains each rule.
import type { CatalogModel } from '../catalog/catalog.js';
import type { UsageMetadata } from '../canonical/types.js';
import { type CostBreakdown, costOfUsage } from './cost.js';
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
  prompt: PromptTokenEstimate;
}

export interface ChargeDecision {
  micros: number;
  basis: ChargeBasis;
  breakdown?: CostBreakdown;
}

/**
 * - Failed requests (status 0 or ≥ 400) are charged 0: the client got no answer to use.
 * - Unless images went out before the failure (a client that left after the image event, a route
 *   that broke off after the image): those are charged, as the last usage seen or the catalog price
 *   of the images sent, whichever is more, since a stream's usage so far may not count them yet.
 * - Successful answers — including safety blocks and image-less answers — are charged exactly the
 *   tokens the upstream reported, so the client pays what the upstream bills and no more.
 * - A success without usage is charged the catalog price of what was delivered (prompt estimate plus
 *   the catalog's tokens per returned image); reconciliation records it as evidence.
 * - The built-in local engine is free because its catalog prices are 0, not by a special case.
 */
export function decideCharge(input: ChargeInput): ChargeDecision {
  const failed = input.status === 0 || input.status >= 400;
  if (failed && input.imagesOut === 0) return { micros: 0, basis: 'refunded_failure' };
  const reported = input.usage ? costOfUsage(input.usage, input.model) : undefined;
  if (reported && !failed) return { micros: reported.micros, basis: 'upstream_usage', breakdown: reported };
  const catalog = expectedCost({
    model: input.model,
    prompt: input.prompt,
    images: input.imagesOut,
    imageSize: input.imageSize,
  });
  if (!failed) return { micros: catalog.micros, basis: 'catalog_estimate', breakdown: catalog };
  const breakdown = reported && reported.micros > catalog.micros ? reported : catalog;
  return { micros: breakdown.micros, basis: 'delivered_before_failure', breakdown };
}
