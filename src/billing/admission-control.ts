// Per-key admission before dispatch: requests per minute, images per minute and concurrent requests.
// In process for one replica, Redis (src/scale) for several; spend limits are held in the database.

export type AdmissionLimitName = 'requests_per_minute' | 'images_per_minute' | 'concurrency';

/** The limits of one client key (a ClientKeyRecord fits); null means unlimited. */
export interface AdmissionKey {
  id: string;
  requestsPerMinute: number | null;
  imagesPerMinute: number | null;
  concurrencyLimit: number | null;
}

export interface AdmissionRequest {
  /** Images the request may produce; counted against images per minute when admitted. */
  images: number;
}

/** Proof of admission; hand it back to `release` when the request ends, whatever the outcome. */
export interface AdmissionTicket {
  keyId: string;
  token: string;
}

export type AdmissionDecision =
  | { ok: true; ticket: AdmissionTicket }
  | { ok: false; limit: AdmissionLimitName; retryAfterSeconds: number };

export interface AdmissionControl {
  admit(key: AdmissionKey, request: AdmissionRequest): Promise<AdmissionDecision>;
  /** Ends the request's concurrency slot; its per-minute counts stay until they age out. */
  release(ticket: AdmissionTicket): Promise<void>;
}

export const admissionWindowMs = 60_000;
