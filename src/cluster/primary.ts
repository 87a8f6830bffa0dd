// The primary process of `serve` when `server.workers` > 1: forks the workers (the first one alone,
// so that it migrates the database and creates the bootstrap key before the others start), answers
// their questions through the coordinator, restarts a worker that dies after it has served, and
// on SIGTERM/SIGINT lets every worker drain before it exits. Workers share the listening port
// through Node's cluster module; connections are dealt out round-robin.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from 'pino';
import { ClusterCoordinator, type WorkerEndpoint } from './coordinator.js';
import { nodeTokenVariable, workerIndexVariable } from './worker.js';

const restartDelayMs = 1000;

export function runPrimary(options: { workers: number; logger: Logger }): void {
  const { workers: count, logger } = options;
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, Worker>();
  let stopping = false;
  let nodeListening = false;
  const internalToken = randomBytes(24).toString('base64url');

  const endpoint = (worker: Worker): WorkerEndpoint => ({
    id: worker.id,
    send: (message) => {
      if (worker.isConnected()) worker.send(message);
    },
  });
  const coordinator = new ClusterCoordinator({
    workers: () => [...slots.values()].filter((worker) => worker.isConnected()).map(endpoint),
    clusterMetrics: () => aggregator.clusterMetrics(),
  });
  cluster.on('message', (worker, message) => coordinator.receive(endpoint(worker), message));

  const stopAll = (exitCode: number) => {
    stopping = true;
    if (slots.size === 0) process.exit(exitCode);
    for (const worker of slots.values()) worker.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (slots.size === 0) process.exit(exitCode);
    });
  };

  const fork = (index: number): Promise<void> =>
    new Promise((started) => {
      const worker = cluster.fork({
        [workerIndexVariable]: String(index),
        [nodeTokenVariable]: internalToken,
      });
      slots.set(index, worker);
      let listening = false;
      worker.once('listening', () => {
        listening = true;
        // A worker that replaces one that died joins a node that is already listening.
        if (nodeListening) endpoint(worker).send({ imagegate: 'node-listening' });
        started();
      });
      worker.once('exit', (code, signal) => {
        if (slots.get(index) === worker) slots.delete(index);
        coordinator.workerGone(worker.id);
        if (stopping) return;
        if (!listening) {
          logger.error(
            { worker: index, code, signal },
            'a worker process stopped before it listened; stopping',
          );
          stopAll(code || 1);
          return;
        }
        logger.error({ worker: index, code, signal }, 'a worker process exited; starting a new one');
        setTimeout(() => {
          if (!stopping) void fork(index);
        }, restartDelayMs).unref();
      });
    });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      logger.info({ signal, workers: slots.size }, 'stopping: every worker drains its in-flight requests');
      stopAll(0);
    });
  }

  void (async () => {
    await fork(0);
    await Promise.all(Array.from({ length: count - 1 }, (_, offset) => fork(offset + 1)));
    nodeListening = true;
    for (const worker of slots.values()) endpoint(worker).send({ imagegate: 'node-listening' });
    logger.info({ workers: count }, 'every worker process is listening');
  })();
}
