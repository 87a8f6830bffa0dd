// One retest run at a time: a lock that a scheduler or an on-demand run must hold, whichever
// process of the deployment runs it.

export interface RetestLease {
  release(): Promise<void>;
}

export interface RetestLock {
  /** A lease when the lock was free, undefined when another run holds it. */
  tryAcquire(ttlMs: number): Promise<RetestLease | undefined>;
}
