// Keeps in-process circuits in step with a shared store (Redis across replicas, the primary across
// a node's workers): outcomes are written through by CircuitBreakers, and the whole shared state is
// re-read on a short timer so a circuit opened elsewhere is soon open here too.
import type { CircuitBreakers, CircuitStateStore } from './circuit-breaker.js';

export interface CircuitSharingOptions {
  refreshMs: number;
  /** False while the store is known to be unreachable: refreshes are skipped. */
  ready?: () => boolean;
  onError(error: unknown, during: 'circuit write' | 'circuit refresh'): void;
}

/** Connects `circuits` to `store` and refreshes them every `refreshMs`. Returns a stop function. */
export function shareCircuitsThrough(
  circuits: CircuitBreakers,
  store: CircuitStateStore,
  options: CircuitSharingOptions,
): () => void {
  circuits.useSharedStore(store, (error) => options.onError(error, 'circuit write'));
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing || options.ready?.() === false) return;
    refreshing = true;
    circuits
      .refreshFromStore()
      .catch((error: unknown) => options.onError(error, 'circuit refresh'))
      .finally(() => {
        refreshing = false;
      });
  }, options.refreshMs);
  timer.unref();
  return () => clearInterval(timer);
}
