// Per-key admission before any spend: requests/min and images/min over a sliding 60 s window, and
// requests in flight, shared by every process that serves the key (see ./shared-state.ts). Spend
// limits are not here but in the ledger's holds.
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { GatewayError } from '../canonical/errors.js';

export interface AdmissionLimits {
  requestsPerMinute: number | null;
  imagesPerMinute: number | null;
  concurrencyLimit: number | null;
}

export interface AdmissionRequest {
  keyId: string;
  limits: AdmissionLimits;
  /** Images this request may produce (counts against images/min). */
  images: number;
}

/** A request admitted; `release` frees its concurrency slot (idempotent). */
export interface AdmissionPass {
  release(): void;
}

export interface AdmissionControl {
  /** Admits the request or throws a 429 GatewayError with retryAfterSeconds. */
  admit(request: AdmissionRequest): Promise<AdmissionPass>;
}

/** The sliding window of requests/min and images/min. */
export const windowMs = 60_000;

/** True when the key has no limit at all: nothing to count, nothing to share. */
export function isUnlimited(limits: AdmissionLimits): boolean {
  return (
    limits.requestsPerMinute === null && limits.imagesPerMinute === null && limits.concurrencyLimit === null
  );
}

export function rateLimited(message: string, retryAfterSeconds: number): GatewayError {
  return errorCatalogue.RATE_LIMIT_EXCEEDED(
    `${message} Retry after ${retryAfterSeconds} s, or ask the gateway admin to raise the limit.`,
    retryAfterSeconds,
  );
}
