// The primary's side of the workers' questions: one admission, one retest lock and one set of
// circuits for the whole node, metrics summed over the workers (prom-client's cluster aggregation),
// and commit rounds in which every worker commits its pending writes. What a worker held is freed
// when it exits.
import { type AdmissionPass, InProcessAdmission } from '../billing/admission.js';
import { GatewayError } from '../canonical/errors.js';
import { InProcessRetestLock, type RetestLease } from '../health/retest-lock.js';
import { NodeCircuits } from './node-circuits.js';
import {
  isImagegateMessage,
  type PrimaryMessage,
  type ReplyError,
  type WorkerMessage,
  type WorkerQuestion,
} from './messages.js';

/** A worker as the coordinator sees it: an id and a way to send it a message. */
export interface WorkerEndpoint {
  id: number;
  send(message: PrimaryMessage): void;
}

export interface CoordinatorOptions {
  /** The workers alive now (asked to commit in a commit round). */
  workers(): Iterable<WorkerEndpoint>;
  /** Summed metrics of every worker (prom-client's AggregatorRegistry.clusterMetrics in production). */
  clusterMetrics(): Promise<string>;
  /** A commit round gives up on a worker that has not answered by then. */
  commitTimeoutMs?: number;
  clock?: () => number;
}

interface CommitRound {
  waiting: Set<number>;
  done(): void;
}

export class ClusterCoordinator {
  private readonly admission: InProcessAdmission;
  private readonly retestLock: InProcessRetestLock;
  private readonly circuits: NodeCircuits;
  private readonly passes = new Map<number, { worker: number; pass: AdmissionPass }>();
  private readonly leases = new Map<number, { worker: number; lease: RetestLease }>();
  private readonly rounds = new Map<number, CommitRound>();
  private nextHandle = 1;

  constructor(private readonly options: CoordinatorOptions) {
    this.admission = new InProcessAdmission(options.clock);
    this.retestLock = new InProcessRetestLock(options.clock);
    this.circuits = new NodeCircuits(options.clock);
  }

  /** Handles one message from a worker; replies go back through `from.send`. */
  receive(from: WorkerEndpoint, message: unknown): void {
    if (!isImagegateMessage(message)) return;
    const received = message as WorkerMessage;
    switch (received.imagegate) {
      case 'release':
        this.passes.get(received.pass)?.pass.release();
        this.passes.delete(received.pass);
        return;
      case 'retest-unlock':
        void this.leases.get(received.lease)?.lease.release();
        this.leases.delete(received.lease);
        return;
      case 'committed':
        this.rounds.get(received.round)?.waiting.delete(from.id);
        this.finishRoundIfDone(received.round);
        return;
      default:
        this.answer(from, received.id, () => this.question(from, received));
    }
  }

  /** Frees what an exited worker held and stops waiting for it in commit rounds. */
  workerGone(workerId: number): void {
    for (const [handle, held] of this.passes) {
      if (held.worker !== workerId) continue;
      held.pass.release();
      this.passes.delete(handle);
    }
    for (const [handle, held] of this.leases) {
      if (held.worker !== workerId) continue;
      void held.lease.release();
      this.leases.delete(handle);
    }
    for (const [round, commit] of this.rounds) {
      commit.waiting.delete(workerId);
      this.finishRoundIfDone(round);
    }
  }

  private async question(from: WorkerEndpoint, asked: WorkerQuestion): Promise<unknown> {
    switch (asked.imagegate) {
      case 'admit': {
        const pass = await this.admission.admit(asked.request);
        const handle = this.nextHandle++;
        this.passes.set(handle, { worker: from.id, pass });
        return handle;
      }
      case 'retest-lock': {
        const lease = await this.retestLock.tryAcquire(asked.ttlMs);
        if (!lease) return null;
        const handle = this.nextHandle++;
        this.leases.set(handle, { worker: from.id, lease });
        return handle;
      }
      case 'metrics':
        return this.options.clusterMetrics();
      case 'circuit-success':
        return this.circuits.recordSuccess(asked.channel, asked.model);
      case 'circuit-failure':
        return this.circuits.recordFailure(asked.channel, asked.model, asked.failure);
      case 'circuits':
        return this.circuits.readAll();
      case 'commit-everywhere':
        await this.commitRound();
        return null;
    }
  }

  private commitRound(): Promise<void> {
    const round = this.nextHandle++;
    const workers = [...this.options.workers()];
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), this.options.commitTimeoutMs ?? 10_000);
      const finish = () => {
        clearTimeout(timer);
        this.rounds.delete(round);
        resolve();
      };
      this.rounds.set(round, { waiting: new Set(workers.map((worker) => worker.id)), done: finish });
      for (const worker of workers) worker.send({ imagegate: 'commit', round });
      this.finishRoundIfDone(round);
    });
  }

  private finishRoundIfDone(round: number): void {
    const commit = this.rounds.get(round);
    if (commit && commit.waiting.size === 0) commit.done();
  }

  private answer(from: WorkerEndpoint, id: number, work: () => Promise<unknown>): void {
    work().then(
      (value) => from.send({ imagegate: 'reply', id, value }),
      (error: unknown) => from.send({ imagegate: 'reply', id, error: replyError(error) }),
    );
  }
}

function replyError(error: unknown): ReplyError {
  if (error instanceof GatewayError) {
    return {
      gateway: true,
      errorClass: error.errorClass,
      httpStatus: error.httpStatus,
      code: error.code,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  return {
    gateway: false,
    errorClass: 'internal',
    httpStatus: 500,
    message: error instanceof Error ? error.message : String(error),
  };
}
