// A settle of a key without a spend limit (its hold is written with the settle), as billing makes it.
import type { SettleRequest } from '../../src/billing/ledger.js';

export function deferredSettle(
  requestId: string,
  keyId: string,
  holdMicros: number,
  chargedMicros: number,
): SettleRequest {
  return {
    requestId,
    keyId,
    holdMicros,
    chargedMicros,
    channel: 'sim',
    evidence: [],
    deferredHold: { createdAt: Date.now() - 10 },
    logEntry: {
      id: requestId,
      createdAt: Date.now(),
      keyId,
      door: 'gemini',
      model: 'gemini-3.1-flash-image',
      channel: 'sim',
      status: chargedMicros > 0 ? 200 : 502,
      errorClass: chargedMicros > 0 ? null : 'connection',
      latencyMs: 3,
      attempts: 1,
      imagesOut: chargedMicros > 0 ? 1 : 0,
      chargedMicros,
      stream: false,
      attemptDetails: [
        { attemptNo: 1, channel: 'sim', outcome: chargedMicros > 0 ? 'ok' : 'connection', latencyMs: 3 },
      ],
    },
  };
}
