// One retest run at a time: a lock that a scheduler or an on-demand run must hold. The in-process
// lock serves a single node; a Redis lock with the same interface serves several replicas.

export interface RetestLease {
  release(): Promise<void>;
}

export interface RetestLock {
  /** A lease when the lock was free, undefined when another run holds it. */
  tryAcquire(ttlMs: number): Promise<RetestLease | undefined>;
}

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
