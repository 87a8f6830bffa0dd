// A worker's line to the primary: questions answered by id (shared state, through
// src/shared-state/node-primary/, summed metrics, committing every worker's pending writes), the
// primary's requests to commit this worker's own pending writes, and word that the node listens.
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { GatewayError } from '../canonical/errors.js';
import type { PrimaryChannel, StateNotice, StateQuestion } from '../shared-state/node-primary/messages.js';
import {
  isImagegateMessage,
  type PrimaryMessage,
  type Question,
  type WorkerMessage,
  type WorkerQuestion,
} from './messages.js';

/** Longest a worker waits for the primary's answer before failing the question. */
const answerTimeoutMs = 10_000;

interface PendingAnswer {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class PrimaryLink implements PrimaryChannel {
  private nextId = 1;
  private readonly pending = new Map<number, PendingAnswer>();
  private commitLocal: () => Promise<void> = async () => {};
  private nodeIsListening = false;
  private announceNodeListening: () => void = () => {};
  /** Resolves once the primary says every worker of the node listens. */
  readonly nodeListening = new Promise<void>((resolve) => {
    this.announceNodeListening = resolve;
  });

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
    return (await this.request({ imagegate: 'metrics' })) as string;
  }

  /** Resolves once every worker has committed the settles and log rows it had queued. */
  async commitEverywhere(): Promise<void> {
    await this.request({ imagegate: 'commit-everywhere' });
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
      const done = () => this.send({ imagegate: 'committed', round });
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

  /** Asks the primary about shared state (see src/shared-state/node-primary/). */
  ask(question: StateQuestion): Promise<unknown> {
    return this.request(question);
  }

  notify(notice: StateNotice): void {
    this.send(notice);
  }

  private request(question: Question): Promise<unknown> {
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
}

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
