// The retest lock of one process (also held by the primary for the workers of a node).
import type { RetestLease, RetestLock } from '../retest-lock.js';

export class InProcessRetestLock implements RetestLock {
  private heldUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async tryAcquire(ttlMs: number): Promise<RetestLease | undefined> {
    const now = this.now();
    if (this.heldUntil > now) return undefined;
    const until = now + ttlMs;
    this.heldUntil = until;
    return {
      release: async () => {
        if (this.heldUntil === until) this.heldUntil = 0;
      },
    };
  }
}
