// The hold placed before an upstream call: the most a request can cost, so a key's spend limit is
// never exceeded by requests in flight. Pure.
import { type CatalogModel, outputImageTokens } from '../catalog/catalog.js';
import { type CostBreakdown, emptyAmounts, nanoToMicrosRoundedUp, priceTokens } from './cost.js';
import type { PromptTokenEstimate } from './estimate-tokens.js';

/**
 * Output text a request may add besides its images (captions, refusals). Thinking models also get a
 * thoughts allowance. Upstreams that report more are still charged what they report (see refund-policy).
 */
export const outputTextAllowanceTokens = 1000;
export const thoughtsAllowanceTokens = 2000;

export interface WorstCaseInput {
  model: CatalogModel;
  prompt: PromptTokenEstimate;
  /** imageConfig.imageSize as requested; the model's default (else its largest size) when absent. */
  imageSize?: string;
  /** Images the request may return (0 when it asks for text only). */
  images: number;
  /** config.billing.heldMultiplier (≥ 1). */
  heldMultiplier: number;
}

export interface WorstCase {
  breakdown: CostBreakdown;
  /** The hold: breakdown.micros × heldMultiplier, rounded up. */
  micros: number;
}

export function worstCase(input: WorstCaseInput): WorstCase {
  const { model } = input;
  const tokens = emptyAmounts();
  tokens.inputText = input.prompt.textTokens;
  tokens.inputImage = input.prompt.imageTokens;
  tokens.outputImage = input.images * outputImageTokens(model, { imageSize: input.imageSize });
  tokens.outputText = outputTextAllowanceTokens;
  tokens.thoughts = model.thinking ? thoughtsAllowanceTokens : 0;
  const breakdown = priceTokens(tokens, model);
  const multiplied = breakdown.totalNanoUsd * Math.max(1, input.heldMultiplier);
  return { breakdown, micros: Math.max(breakdown.micros, nanoToMicrosRoundedUp(multiplied)) };
}

/** The expected (not worst) cost of a request: the estimate shown by countTokens and /admin/estimate. */
export function expectedCost(input: Omit<WorstCaseInput, 'heldMultiplier'>): CostBreakdown {
  const tokens = emptyAmounts();
  tokens.inputText = input.prompt.textTokens;
  tokens.inputImage = input.prompt.imageTokens;
  tokens.outputImage = input.images * outputImageTokens(input.model, { imageSize: input.imageSize });
  return priceTokens(tokens, input.model);
}
