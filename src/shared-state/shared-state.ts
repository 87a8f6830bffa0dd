// What the processes serving one deployment share: per-key admission, circuit state and the retest
// lock. One interface set, three backends (in-process, node-primary, redis); createSharedState
// (./create-shared-state.ts) picks one from the configuration.
import type { AdmissionControl } from './admission.js';
import type { CircuitStateStore } from './circuits.js';
import type { RetestLock } from './retest-lock.js';

/** One process alone; the workers of one node through their primary; every replica through Redis. */
export type SharedStateBackend = 'in-process' | 'node-primary' | 'redis';

export type RedisState = 'ready' | 'unavailable';

export interface SharedState {
  backend: SharedStateBackend;
  admission: AdmissionControl;
  retestLock: RetestLock;
  /** Where circuit outcomes are shared; absent in one process, whose circuit breakers are the only copy. */
  circuits?: CircuitStateStore;
  /** False while the backend is known to be unreachable (Redis only); shared reads wait until it answers. */
  reachable(): boolean;
  /** Reports a failed shared-state call (the Redis backend logs once per outage, not once per call). */
  reportFailure(during: string, error: unknown): void;
  /** For /readyz: whether Redis answers right now (Redis backend only). */
  redisState?(): RedisState;
  close(): Promise<void>;
}
