// Records the outcome class of every upstream attempt per (channel, model, key fingerprint) and
// mirrors it to the `channel_state` table about once a second, so the CLI and other replicas can
// read which route fails and why. The in-memory view serves the admin API live.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';
import type { CircuitSnapshot } from './circuit-breaker.js';

export interface ChannelKeyState {
  channel: string;
  model: string;
  keyFingerprint: string;
  consecutiveFailures: number;
  lastErrorClass: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
}

export interface AttemptOutcome {
  channel: string;
  model: string;
  keyFingerprint: string;
  outcome: string;
}

export class ChannelStateRecorder {
  private readonly states = new Map<string, ChannelKeyState>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly circuits: () => CircuitSnapshot[],
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  record(attempt: AttemptOutcome): void {
    const id = `${attempt.channel}\u0000${attempt.model}\u0000${attempt.keyFingerprint}`;
    const state = this.states.get(id) ?? {
      channel: attempt.channel,
      model: attempt.model,
      keyFingerprint: attempt.keyFingerprint,
      consecutiveFailures: 0,
      lastErrorClass: null,
      lastErrorAt: null,
      lastSuccessAt: null,
    };
    if (attempt.outcome === 'ok') {
      state.consecutiveFailures = 0;
      state.lastSuccessAt = this.now();
    } else {
      state.consecutiveFailures += 1;
      state.lastErrorClass = attempt.outcome;
      state.lastErrorAt = this.now();
    }
    this.states.set(id, state);
    this.dirty.add(id);
    this.timer ??= setTimeout(() => void this.flush(), 1000).unref();
  }

  list(): ChannelKeyState[] {
    return [...this.states.values()];
  }

  /** Writes the changed rows (upsert; the same statement works on SQLite and PostgreSQL). */
  async flush(): Promise<void> {
    this.timer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    if (ids.length === 0) return;
    const circuits = new Map(
      this.circuits().map((circuit) => [`${circuit.channel}\u0000${circuit.model}`, circuit]),
    );
    const updatedAt = this.now();
    try {
      for (const id of ids) {
        const state = this.states.get(id)!;
        const circuit = circuits.get(`${state.channel}\u0000${state.model}`);
        const values = {
          circuit: circuit?.state ?? ('closed' as const),
          consecutive_failures: state.consecutiveFailures,
          last_error_class: state.lastErrorClass,
          last_error_at: state.lastErrorAt,
          last_success_at: state.lastSuccessAt,
          opened_at: circuit?.openedAt ?? null,
          updated_at: updatedAt,
        };
        await this.db
          .insertInto('channel_state')
          .values({
            channel: state.channel,
            model: state.model,
            key_fingerprint: state.keyFingerprint,
            ...values,
          })
          .onConflict((conflict) =>
            conflict.columns(['channel', 'model', 'key_fingerprint']).doUpdateSet(values),
          )
          .execute();
      }
    } catch (error) {
      this.onError(error);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }
}
