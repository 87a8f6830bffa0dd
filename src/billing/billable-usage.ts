// The upstream's usageMetadata is upstream text: it is priced and logged only if every count in it is
// a plausible token count. Otherwise the request is charged as if it had none (the catalog price of
// what was delivered, recorded as missing-usage evidence), so a fractional, negative, string or
// astronomically large count can neither fail the settle (an answered request left uncharged) nor
// bill a client for a number the upstream made up. Pure.
import type { UsageMetadata } from '../canonical/types.js';

/** More tokens than any one request can use; beyond it a count is not believed. */
const maxTokenCount = 1_000_000_000;

const countFields = [
  'promptTokenCount',
  'candidatesTokenCount',
  'totalTokenCount',
  'thoughtsTokenCount',
  'cachedContentTokenCount',
  'toolUsePromptTokenCount',
] as const;

function isTokenCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxTokenCount;
}

function detailsUsable(details: unknown): boolean {
  if (details === undefined) return true;
  return (
    Array.isArray(details) &&
    details.every(
      (detail) =>
        typeof detail === 'object' &&
        detail !== null &&
        (detail.tokenCount === undefined || isTokenCount(detail.tokenCount)),
    )
  );
}

/** The usage if every count in it can be priced and stored, else undefined. */
export function billableUsage(usage: UsageMetadata | undefined): UsageMetadata | undefined {
  if (usage === undefined || typeof usage !== 'object' || usage === null) return undefined;
  for (const field of countFields) {
    if (usage[field] !== undefined && !isTokenCount(usage[field])) return undefined;
  }
  if (!detailsUsable(usage.promptTokensDetails) || !detailsUsable(usage.candidatesTokensDetails))
    return undefined;
  return usage;
}
