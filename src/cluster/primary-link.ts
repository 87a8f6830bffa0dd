// A worker's line to the primary: questions answered by id (admission of keys with limits, the
// retest lock, the node's circuits, summed metrics, committing every worker's pending writes), the
// primary's requests to commit this worker's own pending writes, and word that the node listens.
import type { AdmissionControl, AdmissionPass, AdmissionRequest } from '../billing/admission.js';
import { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { RetestLease, RetestLock } from '../health/retest-lock.js';
import type {
  CircuitStateStore,
  SharedCircuitEntry,
  SharedCircuitState,
} from '../routing/circuit-breaker.js';
import {
  isImagegateMessage,
  type PrimaryMessage,
  type WorkerMessage,
  type WorkerQuestion,
} from './messages.js';

/** Longest a worker waits for the primary's answer before failing the question. */
const answerTimeoutMs = 10_000;

type Question = WorkerQuestion extends infer Q ? (Q extends { id: number } ? Omit<Q, 'id'> : never) : never;

interface PendingAnswer {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class PrimaryLink {
  private nextId = 1;
  private readonly pending = new Map<number, PendingAnswer>();
  private commitLocal: () => Promise<void> = async () => {};
  private nodeIsListening = false;
  private announceNodeListening: () => void = () => {};
  /** Resolves once the primary says every worker of the node listens. */
  readonly nodeListening = new Promise<void>((resolve) => {
    this.announceNodeListening = resolve;
  });
  /** The last state the node's circuits were seen in (and when), per `channel\0model`. */
  private readonly knownCircuits = new Map<string, { state: SharedCircuitState; seenAt: number }>();

  /**
   * The node's circuits, kept by the primary. A success is sent only when the circuit was last
   * seen with failures: a healthy route costs no message per request (the refresh every 250 ms
   * brings failures seen by other workers).
   */
  readonly circuitStore: CircuitStateStore = {
    recordSuccess: async (channel, model) => {
      const known = this.knownCircuits.get(circuitKey(channel, model));
      if (known && known.state.consecutiveFailures === 0 && known.state.openedAgoMs === undefined) {
        return agedBy(known.state, performance.now() - known.seenAt);
      }
      return this.remember(channel, model, await this.ask({ imagegate: 'circuit-success', channel, model }));
    },
    recordFailure: async (channel, model, failure) =>
      this.remember(
        channel,
        model,
        await this.ask({ imagegate: 'circuit-failure', channel, model, failure }),
      ),
    readAll: async () => {
      const entries = (await this.ask({ imagegate: 'circuits' })) as SharedCircuitEntry[];
      const seenAt = performance.now();
      for (const entry of entries) {
        this.knownCircuits.set(circuitKey(entry.channel, entry.model), { state: entry, seenAt });
      }
      return entries;
    },
  };

  readonly admission: AdmissionControl = {
    admit: (request) => this.admit(request),
  };

  readonly retestLock: RetestLock = {
    tryAcquire: async (ttlMs) => {
      const lease = (await this.ask({ imagegate: 'retest-lock', ttlMs })) as number | null;
      if (lease === null) return undefined;
      return {
        release: async () => this.notify({ imagegate: 'retest-unlock', lease }),
      } satisfies RetestLease;
    },
  };

  constructor(private readonly send: (message: WorkerMessage) => void) {}

  /** Connects to the primary over this worker process's IPC channel. */
  static ofThisProcess(): PrimaryLink {
    const link = new PrimaryLink((message) => {
      if (process.connected) process.send?.(message);
    });
    process.on('message', (message) => link.receive(message));
    return link;
  }

  /** True once every worker of the node listens (readiness). */
  get isNodeListening(): boolean {
    return this.nodeIsListening;
  }

  /** What this worker does when the primary asks every worker to commit its pending writes. */
  onCommitRequested(commit: () => Promise<void>): void {
    this.commitLocal = commit;
  }

  /** The metrics of every worker, summed by the primary, in Prometheus text format. */
  async clusterMetrics(): Promise<string> {
    return (await this.ask({ imagegate: 'metrics' })) as string;
  }

  /** Resolves once every worker has committed the settles and log rows it had queued. */
  async commitEverywhere(): Promise<void> {
    await this.ask({ imagegate: 'commit-everywhere' });
  }

  receive(message: unknown): void {
    if (!isImagegateMessage(message)) return;
    const received = message as PrimaryMessage;
    if (received.imagegate === 'node-listening') {
      this.nodeIsListening = true;
      this.announceNodeListening();
      return;
    }
    if (received.imagegate === 'commit') {
      const round = received.round;
      const done = () => this.notify({ imagegate: 'committed', round });
      this.commitLocal().then(done, done);
      return;
    }
    const answer = this.pending.get(received.id);
    if (!answer) return;
    this.pending.delete(received.id);
    clearTimeout(answer.timer);
    if ('error' in received) answer.reject(errorFromReply(received.error));
    else answer.resolve(received.value);
  }

  private async admit(request: AdmissionRequest): Promise<AdmissionPass> {
    const { requestsPerMinute, imagesPerMinute, concurrencyLimit } = request.limits;
    // A key without limits has nothing to count: no message at all.
    if (requestsPerMinute === null && imagesPerMinute === null && concurrencyLimit === null)
      return unlimitedPass;
    const pass = (await this.ask({ imagegate: 'admit', request })) as number;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.notify({ imagegate: 'release', pass });
      },
    };
  }

  private ask(question: Question): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          errorCatalogue.PRIMARY_NOT_ANSWERING(
            `The gateway's primary process did not answer (${question.imagegate}) within ${answerTimeoutMs / 1000} s; retry.`,
          ),
        );
      }, answerTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ ...question, id } as WorkerQuestion);
    });
  }

  private notify(message: WorkerMessage): void {
    this.send(message);
  }

  private remember(channel: string, model: string, state: unknown): SharedCircuitState {
    const shared = state as SharedCircuitState;
    this.knownCircuits.set(circuitKey(channel, model), { state: shared, seenAt: performance.now() });
    return shared;
  }
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

const unlimitedPass: AdmissionPass = { release: () => {} };

function errorFromReply(error: Extract<PrimaryMessage, { error: unknown }>['error']): Error {
  if (!error.gateway) return new Error(error.message);
  return new GatewayError({
    errorClass: error.errorClass,
    httpStatus: error.httpStatus,
    code: error.code,
    message: error.message,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}
