// Circuit breakers per (channel, model): after N consecutive failures the circuit opens and the
// route gets no traffic; once the open period passes, one request is let through as a probe
// (half-open) and its outcome closes or re-opens the circuit.

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
  probeInFlight: boolean;
  lastErrorClass?: string;
  lastErrorAt?: number;
}

export class CircuitBreakers {
  private readonly entries = new Map<string, CircuitEntry>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
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

  /** Called when an attempt starts; a half-open circuit lets exactly one probe through. */
  beginAttempt(channel: string, model: string): void {
    if (this.state(channel, model) === 'half_open') this.entry(channel, model).probeInFlight = true;
  }

  recordSuccess(channel: string, model: string): void {
    const entry = this.entry(channel, model);
    entry.consecutiveFailures = 0;
    entry.openedAt = undefined;
    entry.probeInFlight = false;
  }

  recordFailure(channel: string, model: string, errorClass: string): void {
    const entry = this.entry(channel, model);
    const wasProbe = entry.probeInFlight;
    entry.consecutiveFailures += 1;
    entry.lastErrorClass = errorClass;
    entry.lastErrorAt = this.now();
    entry.probeInFlight = false;
    if (wasProbe || entry.consecutiveFailures >= this.options.failureThreshold) entry.openedAt = this.now();
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
