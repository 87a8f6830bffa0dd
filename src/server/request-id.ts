// Request ids as UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then a counter and random
// bits. Ids made later sort later, so the database indexes keyed by request id (request log, attempts,
// ledger, billing evidence) grow at their right edge instead of dirtying a random page per request.
import { randomFillSync } from 'node:crypto';

const randomPool = Buffer.allocUnsafe(16 * 256);
let poolOffset = randomPool.length;
let lastMillis = -1;
/** 12 bits (rand_a) that count up within one millisecond, so ids of one process stay in order. */
let sequence = 0;

function randomBytes10(): Buffer {
  if (poolOffset + 10 > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  poolOffset += 10;
  return randomPool.subarray(poolOffset - 10, poolOffset);
}

/** A new UUIDv7 string, e.g. `019ad5c4-3b2e-7a01-9f3c-5b0e2d7c1a44`; monotonic within this process. */
export function timeOrderedId(now = Date.now()): string {
  const random = randomBytes10();
  if (now > lastMillis) {
    lastMillis = now;
    sequence = random.readUInt16BE(8) & 0x3ff; // start low in the 12-bit space, leaving room to count
  } else {
    sequence += 1;
    if (sequence > 0xfff) {
      // 4096 ids in one millisecond: borrow the next one, as RFC 9562 allows.
      lastMillis += 1;
      sequence = 0;
    }
  }
  const millis = lastMillis.toString(16).padStart(12, '0');
  const variant = ((random[0] & 0x3f) | 0x80).toString(16) + hex(random[1]);
  return `${millis.slice(0, 8)}-${millis.slice(8)}-7${sequence.toString(16).padStart(3, '0')}-${variant}-${random.toString('hex', 2, 8)}`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
