// Circuit state shared by the processes of a deployment (the primary for a node's workers, Redis
// across replicas). Each process keeps its own circuit breakers so the hot path stays synchronous:
// outcomes are written through to the shared store, and the whole shared state is re-read on a
// short timer so a circuit opened elsewhere is soon open here too.

/**
 * What processes share about one circuit. Times are ages by the store's own clock, so processes
 * whose clocks disagree still agree on how long a circuit has been open.
 */
export interface SharedCircuitState {
  consecutiveFailures: number;
  openedAgoMs?: number;
  lastErrorClass?: string;
  lastErrorAgoMs?: number;
}

export interface SharedCircuitEntry extends SharedCircuitState {
  channel: string;
  model: string;
}

/** A failed attempt as the store records it: the circuit opens at the threshold or on a failed probe. */
export interface CircuitFailure {
  errorClass: string;
  wasProbe: boolean;
  failureThreshold: number;
}

/** Where outcomes are written through to and read back from when several processes serve. */
export interface CircuitStateStore {
  recordSuccess(channel: string, model: string): Promise<SharedCircuitState>;
  recordFailure(channel: string, model: string, failure: CircuitFailure): Promise<SharedCircuitState>;
  readAll(): Promise<SharedCircuitEntry[]>;
}

/** The process's own circuit breakers, as far as sharing needs them (routing's CircuitBreakers). */
export interface LocalCircuits {
  useSharedStore(store: CircuitStateStore, onError: (error: unknown) => void): void;
  refreshFromStore(): Promise<void>;
}

export interface CircuitSharingOptions {
  refreshMs: number;
  /** False while the store is known to be unreachable: refreshes are skipped. */
  ready?: () => boolean;
  onError(error: unknown, during: 'circuit write' | 'circuit refresh'): void;
}

/** Connects `circuits` to `store` and refreshes them every `refreshMs`. Returns a stop function. */
export function shareCircuitsThrough(
  circuits: LocalCircuits,
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
