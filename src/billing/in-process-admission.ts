// AdmissionControl for a single replica: sliding one-minute windows and in-flight counts in memory.
// Also the fallback the Redis implementation counts with while Redis is unreachable.
import { randomUUID } from 'node:crypto';
import {
  type AdmissionControl,
  type AdmissionDecision,
  type AdmissionKey,
  type AdmissionRequest,
  type AdmissionTicket,
  admissionWindowMs,
} from './admission-control.js';

interface KeyWindow {
  /** Admission times, oldest first. */
  requests: number[];
  /** [time, images] of admitted requests, oldest first. */
  images: Array<[number, number]>;
  inFlight: Set<string>;
}

export class InProcessAdmission implements AdmissionControl {
  private readonly windows = new Map<string, KeyWindow>();

  constructor(private readonly now: () => number = Date.now) {}

  async admit(key: AdmissionKey, request: AdmissionRequest): Promise<AdmissionDecision> {
    const now = this.now();
    const window = this.window(key.id, now);
    if (key.requestsPerMinute !== null && window.requests.length >= key.requestsPerMinute) {
      return {
        ok: false,
        limit: 'requests_per_minute',
        retryAfterSeconds: this.secondsUntil(window.requests[0], now),
      };
    }
    if (key.imagesPerMinute !== null) {
      const used = window.images.reduce((sum, [, images]) => sum + images, 0);
      if (used + request.images > key.imagesPerMinute) {
        return {
          ok: false,
          limit: 'images_per_minute',
          retryAfterSeconds: this.imagesRetry(window, used, request.images, key.imagesPerMinute, now),
        };
      }
    }
    if (key.concurrencyLimit !== null && window.inFlight.size >= key.concurrencyLimit) {
      return { ok: false, limit: 'concurrency', retryAfterSeconds: 1 };
    }
    const token = randomUUID();
    window.requests.push(now);
    if (request.images > 0) window.images.push([now, request.images]);
    window.inFlight.add(token);
    return { ok: true, ticket: { keyId: key.id, token } };
  }

  async release(ticket: AdmissionTicket): Promise<void> {
    const window = this.windows.get(ticket.keyId);
    window?.inFlight.delete(ticket.token);
  }

  private window(keyId: string, now: number): KeyWindow {
    let window = this.windows.get(keyId);
    if (!window) {
      window = { requests: [], images: [], inFlight: new Set() };
      this.windows.set(keyId, window);
    }
    const start = now - admissionWindowMs;
    while (window.requests.length > 0 && window.requests[0] <= start) window.requests.shift();
    while (window.images.length > 0 && window.images[0][0] <= start) window.images.shift();
    return window;
  }

  private secondsUntil(admittedAt: number, now: number): number {
    return Math.max(1, Math.ceil((admittedAt + admissionWindowMs - now) / 1000));
  }

  /** When enough of the oldest images have aged out for this request to fit. */
  private imagesRetry(window: KeyWindow, used: number, wanted: number, limit: number, now: number): number {
    if (wanted > limit) return Math.ceil(admissionWindowMs / 1000);
    let freed = 0;
    for (const [time, images] of window.images) {
      freed += images;
      if (used - freed + wanted <= limit) return this.secondsUntil(time, now);
    }
    return Math.ceil(admissionWindowMs / 1000);
  }
}
