// Circuit breakers per (channel, model): after N consecutive failures the circuit opens and the
// route gets no traffic; once the open period passes, one request is let through as a probe
// (half-open) and its outcome closes or re-opens the circuit. State is kept in process so the hot
// path stays synchronous; an optional shared store (src/shared-state/) mirrors it across processes.
import type { CircuitStateStore, SharedCircuitState } from '../shared-state/circuits.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSnapshot {
  channel: string;
  model: string;
  state: CircuitState;
  consecutiveFailures: number;
  openedAt?: number;
  lastErrorClass?: string;
  lastErrorAt?: number;
}

export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

interface CircuitEntry {
  consecutiveFailures: number;
  openedAt?: number;
  /** Per process: each replica may send its own half-open probe. */
  probeInFlight: boolean;
  lastErrorClass?: string;
  lastErrorAt?: number;
}

export class CircuitBreakers {
  private readonly entries = new Map<string, CircuitEntry>();
  private readonly now: () => number;
  private store?: CircuitStateStore;
  private onStoreError: (error: unknown) => void = () => {};

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes every outcome through to `store` and adopts what it answers. When the store fails, the
   * in-process state keeps working on its own (`onError` hears about it).
   */
  useSharedStore(store: CircuitStateStore, onError: (error: unknown) => void): void {
    this.store = store;
    this.onStoreError = onError;
  }

  /** Replaces local state with the shared one (called by the store's refresh loop). */
  async refreshFromStore(): Promise<void> {
    if (!this.store) return;
    for (const shared of await this.store.readAll()) this.adopt(shared.channel, shared.model, shared);
  }

  private entry(channel: string, model: string): CircuitEntry {
    const key = `${channel}\u0000${model}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { consecutiveFailures: 0, probeInFlight: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private adopt(channel: string, model: string, shared: SharedCircuitState): void {
    const entry = this.entry(channel, model);
    const now = this.now();
    const openedAt = shared.openedAgoMs === undefined ? undefined : now - shared.openedAgoMs;
    // A probe in flight here only matters while the circuit stays open; a close elsewhere ends it.
    if (openedAt === undefined) entry.probeInFlight = false;
    entry.consecutiveFailures = shared.consecutiveFailures;
    entry.openedAt = openedAt;
    entry.lastErrorClass = shared.lastErrorClass;
    entry.lastErrorAt = shared.lastErrorAgoMs === undefined ? undefined : now - shared.lastErrorAgoMs;
  }

  private writeThrough(channel: string, model: string, write: Promise<SharedCircuitState>): void {
    write.then(
      (shared) => this.adopt(channel, model, shared),
      (error: unknown) => this.onStoreError(error),
    );
  }

  state(channel: string, model: string): CircuitState {
    const entry = this.entry(channel, model);
    if (entry.openedAt === undefined) return 'closed';
    return this.now() - entry.openedAt >= this.options.openMs ? 'half_open' : 'open';
  }

  /** True when no request may go to this route now (open, or half-open with its probe already out). */
  isOpen(channel: string, model: string): boolean {
    const state = this.state(channel, model);
    if (state === 'closed') return false;
    if (state === 'open') return true;
    return this.entry(channel, model).probeInFlight;
  }

  /**
   * Called when an attempt starts; a half-open circuit lets exactly one probe through. True when
   * this attempt is that probe: the caller ends it with endProbe once the attempt is over.
   */
  beginAttempt(channel: string, model: string): boolean {
    const entry = this.entry(channel, model);
    if (this.state(channel, model) !== 'half_open' || entry.probeInFlight) return false;
    entry.probeInFlight = true;
    return true;
  }

  /**
   * A probe's attempt is over. Its verdict (success, failure) has been recorded already; one that
   * gave none (the client left, a key or the gateway itself failed) leaves the next request free
   * to probe instead of keeping the route out of traffic for good.
   */
  endProbe(channel: string, model: string): void {
    this.entry(channel, model).probeInFlight = false;
  }

  recordSuccess(channel: string, model: string): void {
    const entry = this.entry(channel, model);
    entry.consecutiveFailures = 0;
    entry.openedAt = undefined;
    entry.probeInFlight = false;
    if (this.store) this.writeThrough(channel, model, this.store.recordSuccess(channel, model));
  }

  /**
   * An answer without an image (text asked for, or a safety block): it shows the route is up, but
   * not that it delivers images again, so it does not close a circuit opened for image failures
   * (no_image, semantic_fail); a probe among such answers just ends and the next one may try.
   */
  recordAnswerWithoutImage(channel: string, model: string): void {
    const entry = this.entry(channel, model);
    const openedForImages = entry.lastErrorClass === 'no_image' || entry.lastErrorClass === 'semantic_fail';
    if (this.state(channel, model) !== 'closed' && openedForImages) entry.probeInFlight = false;
    else this.recordSuccess(channel, model);
  }

  recordFailure(channel: string, model: string, errorClass: string): void {
    const entry = this.entry(channel, model);
    const wasProbe = entry.probeInFlight;
    entry.consecutiveFailures += 1;
    entry.lastErrorClass = errorClass;
    entry.lastErrorAt = this.now();
    entry.probeInFlight = false;
    if (wasProbe || entry.consecutiveFailures >= this.options.failureThreshold) entry.openedAt = this.now();
    if (this.store) {
      const failure = { errorClass, wasProbe, failureThreshold: this.options.failureThreshold };
      this.writeThrough(channel, model, this.store.recordFailure(channel, model, failure));
    }
  }

  snapshot(): CircuitSnapshot[] {
    return [...this.entries.entries()].map(([key, entry]) => {
      const [channel, model] = key.split('\u0000');
      return {
        channel,
        model,
        state: this.state(channel, model),
        consecutiveFailures: entry.consecutiveFailures,
        openedAt: entry.openedAt,
        lastErrorClass: entry.lastErrorClass,
        lastErrorAt: entry.lastErrorAt,
      };
    });
  }
}
