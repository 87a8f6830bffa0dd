// Shared state of a worker of a node (`server.workers` > 1, no Redis): every question goes to the
// primary (./state-server.ts) over the worker's channel. A key without limits and a success on a
// route last seen healthy cost no message.
import { type AdmissionControl, type AdmissionPass, isUnlimited } from '../admission.js';
import type { CircuitStateStore, SharedCircuitEntry, SharedCircuitState } from '../circuits.js';
import type { RetestLease, RetestLock } from '../retest-lock.js';
import type { SharedState } from '../shared-state.js';
import type { PrimaryChannel } from './messages.js';

export function createNodePrimarySharedState(
  primary: PrimaryChannel,
  options: { onFailure(during: string, error: unknown): void },
): SharedState {
  return {
    backend: 'node-primary',
    admission: nodeAdmission(primary),
    retestLock: nodeRetestLock(primary),
    circuits: nodeCircuits(primary),
    reachable: () => true,
    reportFailure: options.onFailure,
    close: async () => {},
  };
}

const unlimitedPass: AdmissionPass = { release: () => {} };

function nodeAdmission(primary: PrimaryChannel): AdmissionControl {
  return {
    async admit(request) {
      // A key without limits has nothing to count: no message at all.
      if (isUnlimited(request.limits)) return unlimitedPass;
      const pass = (await primary.ask({ imagegate: 'admit', request })) as number;
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          primary.notify({ imagegate: 'release', pass });
        },
      };
    },
  };
}

function nodeRetestLock(primary: PrimaryChannel): RetestLock {
  return {
    async tryAcquire(ttlMs) {
      const lease = (await primary.ask({ imagegate: 'retest-lock', ttlMs })) as number | null;
      if (lease === null) return undefined;
      return {
        release: async () => primary.notify({ imagegate: 'retest-unlock', lease }),
      } satisfies RetestLease;
    },
  };
}

/**
 * The node's circuits, kept by the primary. A success is sent only when the circuit was last seen
 * with failures: a healthy route costs no message per request (the periodic refresh brings failures
 * seen by other workers).
 */
function nodeCircuits(primary: PrimaryChannel): CircuitStateStore {
  /** The last state the node's circuits were seen in (and when), per `channel\0model`. */
  const known = new Map<string, { state: SharedCircuitState; seenAt: number }>();
  const remember = (channel: string, model: string, state: unknown): SharedCircuitState => {
    const shared = state as SharedCircuitState;
    known.set(circuitKey(channel, model), { state: shared, seenAt: performance.now() });
    return shared;
  };
  return {
    async recordSuccess(channel, model) {
      const seen = known.get(circuitKey(channel, model));
      if (seen && seen.state.consecutiveFailures === 0 && seen.state.openedAgoMs === undefined) {
        return agedBy(seen.state, performance.now() - seen.seenAt);
      }
      return remember(channel, model, await primary.ask({ imagegate: 'circuit-success', channel, model }));
    },
    async recordFailure(channel, model, failure) {
      return remember(
        channel,
        model,
        await primary.ask({ imagegate: 'circuit-failure', channel, model, failure }),
      );
    },
    async readAll() {
      const entries = (await primary.ask({ imagegate: 'circuits' })) as SharedCircuitEntry[];
      const seenAt = performance.now();
      for (const entry of entries)
        known.set(circuitKey(entry.channel, entry.model), { state: entry, seenAt });
      return entries;
    },
  };
}

/** A state seen `elapsedMs` ago, its ages as they are now (a route's last error keeps its real time). */
function agedBy(state: SharedCircuitState, elapsedMs: number): SharedCircuitState {
  const elapsed = Math.max(0, Math.round(elapsedMs));
  return {
    ...state,
    lastErrorAgoMs: state.lastErrorAgoMs === undefined ? undefined : state.lastErrorAgoMs + elapsed,
  };
}

function circuitKey(channel: string, model: string): string {
  return `${channel}\u0000${model}`;
}
