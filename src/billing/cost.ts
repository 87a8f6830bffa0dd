// What a request costs, by modality, from the upstream's usageMetadata and the catalog's prices. Pure.
// Each modality is priced in integer nano-USD (tokens × nano-USD per token); the sum is rounded UP
// to the next whole micro-USD once, so no modality is rounded on its own and nothing is undercharged.
import type { CatalogModel } from '../catalog/catalog.js';
import type { ModalityTokenCount, UsageMetadata } from '../canonical/types.js';
import { billableUsage } from './billable-usage.js';

export const modalities = ['inputText', 'inputImage', 'outputText', 'outputImage', 'thoughts'] as const;
export type BilledModality = (typeof modalities)[number];

export type ModalityAmounts = Record<BilledModality, number>;

export interface CostBreakdown {
  /** Tokens billed per modality. */
  tokens: ModalityAmounts;
  /** Nano-USD (1e-9 USD) per modality: tokens × price, exact. */
  nanoUsd: ModalityAmounts;
  totalNanoUsd: number;
  /** The charge: totalNanoUsd rounded up to whole micro-USD. */
  micros: number;
}

const nanoPerMicro = 1000;

/** Whole micro-USD for an amount of nano-USD, rounding up (the only rounding step in billing). */
export function nanoToMicrosRoundedUp(nano: number): number {
  return Math.ceil(nano / nanoPerMicro);
}

function sumModality(details: ModalityTokenCount[] | undefined, image: boolean): number {
  let sum = 0;
  for (const detail of details ?? []) {
    const isImage = String(detail.modality).toUpperCase() === 'IMAGE';
    if (isImage === image) sum += detail.tokenCount ?? 0;
  }
  return sum;
}

/**
 * Splits usage into billed token counts. Upstreams list details inconsistently: Gemini image models
 * report candidatesTokenCount including text while candidatesTokensDetails lists only IMAGE, so text
 * is what the total leaves after the listed image tokens (and never less than the listed text).
 */
export function billedTokens(usage: UsageMetadata): ModalityAmounts {
  const promptImage = sumModality(usage.promptTokensDetails, true);
  const promptListedOther = sumModality(usage.promptTokensDetails, false);
  const promptTotal = usage.promptTokenCount ?? promptImage + promptListedOther;
  const outputImage = sumModality(usage.candidatesTokensDetails, true);
  const outputListedOther = sumModality(usage.candidatesTokensDetails, false);
  const outputTotal = usage.candidatesTokenCount ?? outputImage + outputListedOther;
  return {
    inputText: Math.max(promptTotal - promptImage, promptListedOther),
    inputImage: promptImage,
    outputText: Math.max(outputTotal - outputImage, outputListedOther),
    outputImage,
    thoughts: usage.thoughtsTokenCount ?? 0,
  };
}

/** Prices token counts with the model's nano-USD per token rates. */
export function priceTokens(tokens: ModalityAmounts, model: CatalogModel): CostBreakdown {
  const nanoUsd: ModalityAmounts = {
    inputText: tokens.inputText * model.pricing.inputText,
    inputImage: tokens.inputImage * model.pricing.inputImage,
    outputText: tokens.outputText * model.pricing.outputText,
    outputImage: tokens.outputImage * model.pricing.outputImage,
    thoughts: tokens.thoughts * model.pricing.thoughts,
  };
  const totalNanoUsd = modalities.reduce((sum, modality) => sum + nanoUsd[modality], 0);
  if (!Number.isSafeInteger(totalNanoUsd)) throw new RangeError('cost exceeds the exact integer range');
  return { tokens, nanoUsd, totalNanoUsd, micros: nanoToMicrosRoundedUp(totalNanoUsd) };
}

export function costOfUsage(usage: UsageMetadata, model: CatalogModel): CostBreakdown {
  return priceTokens(billedTokens(usage), model);
}

/**
 * The upstream's usage when it can be priced: every count plausible (billable-usage.ts) and the cost
 * within the exact integer range. Anything else comes from a broken or hostile upstream and is treated
 * as no usage at all, so it can neither throw in a settle nor set a charge.
 */
export function usableUsage(
  usage: UsageMetadata | undefined,
  model: CatalogModel,
): UsageMetadata | undefined {
  const plausible = billableUsage(usage);
  if (plausible === undefined) return undefined;
  try {
    costOfUsage(plausible, model);
    return plausible;
  } catch {
    return undefined;
  }
}

export function emptyAmounts(): ModalityAmounts {
  return { inputText: 0, inputImage: 0, outputText: 0, outputImage: 0, thoughts: 0 };
}
