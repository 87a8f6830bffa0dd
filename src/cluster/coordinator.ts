// The primary's side of the workers' questions: shared state for the whole node (answered by
// src/shared-state/node-primary/state-server.ts), metrics summed over the workers (prom-client's
// cluster aggregation), and commit rounds in which every worker commits its pending writes. What a
// worker held is freed when it exits.
import { GatewayError } from '../canonical/errors.js';
import { isStateNotice } from '../shared-state/node-primary/messages.js';
import { NodeStateServer } from '../shared-state/node-primary/state-server.js';
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
  private readonly state: NodeStateServer;
  private readonly rounds = new Map<number, CommitRound>();
  private nextRound = 1;

  constructor(private readonly options: CoordinatorOptions) {
    this.state = new NodeStateServer(options.clock);
  }

  /** Handles one message from a worker; replies go back through `from.send`. */
  receive(from: WorkerEndpoint, message: unknown): void {
    if (!isImagegateMessage(message)) return;
    const received = message as WorkerMessage;
    if (received.imagegate === 'committed') {
      this.rounds.get(received.round)?.waiting.delete(from.id);
      this.finishRoundIfDone(received.round);
    } else if (isStateNotice(received)) {
      this.state.receive(received);
    } else {
      this.answer(from, received.id, () => this.question(from, received));
    }
  }

  /** Frees what an exited worker held and stops waiting for it in commit rounds. */
  workerGone(workerId: number): void {
    this.state.workerGone(workerId);
    for (const [round, commit] of this.rounds) {
      commit.waiting.delete(workerId);
      this.finishRoundIfDone(round);
    }
  }

  private async question(from: WorkerEndpoint, asked: WorkerQuestion): Promise<unknown> {
    switch (asked.imagegate) {
      case 'metrics':
        return this.options.clusterMetrics();
      case 'commit-everywhere':
        await this.commitRound();
        return null;
      default:
        return this.state.answer(from.id, asked);
    }
  }

  private commitRound(): Promise<void> {
    const round = this.nextRound++;
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
