// Per-key admission before any spend: requests/min and images/min over a sliding 60 s window, and
// requests in flight. The interface lets a Redis implementation (several replicas) replace the
// in-process one; spend limits are not here but in the ledger's holds.
import type { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';

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

const windowMs = 60_000;

interface KeyWindow {
  /** Admission times inside the window, oldest first. */
  requests: number[];
  /** Admission times and image counts inside the window, oldest first. */
  images: Array<{ at: number; count: number }>;
  inFlight: number;
}

/** Single-process admission: exact sliding windows kept in memory per key. */
export class InProcessAdmission implements AdmissionControl {
  private readonly windows = new Map<string, KeyWindow>();

  constructor(private readonly clock: () => number = Date.now) {}

  async admit(request: AdmissionRequest): Promise<AdmissionPass> {
    const now = this.clock();
    const window = this.windowOf(request.keyId, now);
    const { requestsPerMinute, imagesPerMinute, concurrencyLimit } = request.limits;
    if (requestsPerMinute !== null && window.requests.length >= requestsPerMinute) {
      throw rateLimited(
        `This API key is limited to ${requestsPerMinute} requests per minute.`,
        secondsUntil(window.requests[window.requests.length - requestsPerMinute] + windowMs, now),
      );
    }
    if (imagesPerMinute !== null && request.images > 0) {
      const used = window.images.reduce((sum, entry) => sum + entry.count, 0);
      if (used + request.images > imagesPerMinute) {
        throw rateLimited(
          `This API key is limited to ${imagesPerMinute} images per minute.`,
          secondsUntil(freedAt(window.images, used + request.images - imagesPerMinute), now),
        );
      }
    }
    if (concurrencyLimit !== null && window.inFlight >= concurrencyLimit) {
      throw rateLimited(
        `This API key may have ${concurrencyLimit} request(s) in flight at once; wait for one to finish.`,
        1,
      );
    }
    window.requests.push(now);
    if (request.images > 0) window.images.push({ at: now, count: request.images });
    window.inFlight += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        window.inFlight -= 1;
      },
    };
  }

  private windowOf(keyId: string, now: number): KeyWindow {
    let window = this.windows.get(keyId);
    if (!window) {
      window = { requests: [], images: [], inFlight: 0 };
      this.windows.set(keyId, window);
    }
    const cutoff = now - windowMs;
    while (window.requests.length > 0 && window.requests[0] <= cutoff) window.requests.shift();
    while (window.images.length > 0 && window.images[0].at <= cutoff) window.images.shift();
    return window;
  }
}

/** When enough of the oldest images leave the window to free `needed` images. */
function freedAt(images: Array<{ at: number; count: number }>, needed: number): number {
  let freed = 0;
  for (const entry of images) {
    freed += entry.count;
    if (freed >= needed) return entry.at + windowMs;
  }
  return (images.at(-1)?.at ?? 0) + windowMs;
}

function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}

export function rateLimited(message: string, retryAfterSeconds: number): GatewayError {
  return errorCatalogue.RATE_LIMIT_EXCEEDED(
    `${message} Retry after ${retryAfterSeconds} s, or ask the gateway admin to raise the limit.`,
    retryAfterSeconds,
  );
}
