// The node-primary backend: the primary's coordinator wired to workers' PrimaryLinks directly (the messages are what Node's
// cluster IPC channel would carry, passed through structuredClone): limits hold across workers,
// what an exited worker held is freed, circuits open on the node's failures, and a commit round
// waits for every worker.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterCoordinator, type WorkerEndpoint } from '../../src/cluster/coordinator.js';
import type { WorkerMessage } from '../../src/cluster/messages.js';
import { PrimaryLink } from '../../src/cluster/primary-link.js';
import { CircuitBreakers } from '../../src/routing/circuit-breaker.js';
import type { AdmissionLimits } from '../../src/shared-state/admission.js';
import type { CircuitStateStore } from '../../src/shared-state/circuits.js';
import { createNodePrimarySharedState } from '../../src/shared-state/node-primary/index.js';
import type { SharedState } from '../../src/shared-state/shared-state.js';
import { rejection } from '../helpers/errors.js';

interface TestWorker {
  link: PrimaryLink;
  state: SharedState;
  endpoint: WorkerEndpoint;
  sent: WorkerMessage[];
}

function node(count: number, options: { commitTimeoutMs?: number; clock?: () => number } = {}) {
  const workers: TestWorker[] = [];
  const coordinator = new ClusterCoordinator({
    workers: () => workers.map((worker) => worker.endpoint),
    clusterMetrics: async () => 'summed 1\n',
    ...options,
  });
  for (let id = 1; id <= count; id++) {
    const sent: WorkerMessage[] = [];
    const worker = {} as TestWorker;
    worker.sent = sent;
    worker.link = new PrimaryLink((message) => {
      sent.push(message);
      const copy = structuredClone(message);
      queueMicrotask(() => coordinator.receive(worker.endpoint, copy));
    });
    worker.state = createNodePrimarySharedState(worker.link, {
      onFailure: (_during, error) => {
        throw error;
      },
    });
    worker.endpoint = {
      id,
      send: (message) => {
        const copy = structuredClone(message);
        queueMicrotask(() => worker.link.receive(copy));
      },
    };
    workers.push(worker);
  }
  return { coordinator, workers };
}

const limits = (overrides: Partial<AdmissionLimits>): AdmissionLimits => ({
  requestsPerMinute: null,
  imagesPerMinute: null,
  concurrencyLimit: null,
  ...overrides,
});

/** Lets queued messages and their answers go through. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('node-primary shared state', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('enforces a concurrency limit across workers and frees the slot on release', async () => {
    const [first, second] = node(2).workers;
    const request = { keyId: 'key_a', limits: limits({ concurrencyLimit: 1 }), images: 1 };
    const pass = await first.state.admission.admit(request);
    const refused = await rejection(second.state.admission.admit(request));
    expect(refused.httpStatus).toBe(429);
    expect(refused.errorClass).toBe('rate_limited');
    expect(refused.retryAfterSeconds).toBe(1);
    expect(refused.message).toMatch(/1 request\(s\) in flight/);
    pass.release();
    pass.release();
    const again = await second.state.admission.admit(request);
    again.release();
  });

  it('counts requests per minute over every worker', async () => {
    let now = 1_000_000;
    const [first, second] = node(2, { clock: () => now }).workers;
    const request = { keyId: 'key_b', limits: limits({ requestsPerMinute: 3 }), images: 1 };
    for (const worker of [first, second, first]) (await worker.state.admission.admit(request)).release();
    const refused = await rejection(second.state.admission.admit(request));
    expect(refused.message).toMatch(/limited to 3 requests per minute/);
    expect(refused.retryAfterSeconds).toBe(60);
    now += 60_001;
    (await second.state.admission.admit(request)).release();
  });

  it('sends nothing for a key without limits', async () => {
    const [worker] = node(1).workers;
    const pass = await worker.state.admission.admit({ keyId: 'key_c', limits: limits({}), images: 4 });
    pass.release();
    expect(worker.sent).toEqual([]);
  });

  it('frees the slots and the retest lease of a worker that exited', async () => {
    const { coordinator, workers } = node(2);
    const [first, second] = workers;
    const request = { keyId: 'key_d', limits: limits({ concurrencyLimit: 1 }), images: 1 };
    await first.state.admission.admit(request);
    expect(await first.state.retestLock.tryAcquire(60_000)).toBeDefined();
    expect(await second.state.retestLock.tryAcquire(60_000)).toBeUndefined();
    await rejection(second.state.admission.admit(request));
    coordinator.workerGone(first.endpoint.id);
    const lease = await second.state.retestLock.tryAcquire(60_000);
    expect(lease).toBeDefined();
    (await second.state.admission.admit(request)).release();
    await lease?.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await first.state.retestLock.tryAcquire(60_000)).toBeDefined();
  });

  it('answers a commit round once every worker has committed', async () => {
    const { workers } = node(3);
    const committed: number[] = [];
    let releaseSlow: () => void = () => {};
    for (const [index, worker] of workers.entries()) {
      worker.link.onCommitRequested(async () => {
        if (index === 2) await new Promise<void>((resolve) => (releaseSlow = resolve));
        committed.push(index);
      });
    }
    let done = false;
    const round = workers[0].link.commitEverywhere().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(committed.sort()).toEqual([0, 1]);
    expect(done).toBe(false);
    releaseSlow();
    await round;
    expect(committed.sort()).toEqual([0, 1, 2]);
  });

  it('stops waiting in a commit round for a worker that exited', async () => {
    const { coordinator, workers } = node(2);
    workers[1].link.onCommitRequested(() => new Promise(() => {}));
    const round = workers[0].link.commitEverywhere();
    await new Promise((resolve) => setTimeout(resolve, 10));
    coordinator.workerGone(workers[1].endpoint.id);
    await round;
  });

  it('opens a circuit on the failures of every worker and tells each of them', async () => {
    const [first, second] = node(2).workers;
    const circuitsOf = (worker: TestWorker) => {
      const circuits = new CircuitBreakers({ failureThreshold: 3, openMs: 60_000 });
      circuits.useSharedStore(worker.state.circuits as CircuitStateStore, (error) => {
        throw error;
      });
      return circuits;
    };
    const [here, there] = [circuitsOf(first), circuitsOf(second)];
    here.recordFailure('flaky', 'model-a', 'overloaded');
    here.recordFailure('flaky', 'model-a', 'overloaded');
    await settle();
    expect(there.isOpen('flaky', 'model-a')).toBe(false);
    there.recordFailure('flaky', 'model-a', 'timeout');
    await settle();
    // The third failure of the node, seen by the worker that had only one.
    expect(there.isOpen('flaky', 'model-a')).toBe(true);
    expect(here.isOpen('flaky', 'model-a')).toBe(false);
    await here.refreshFromStore();
    expect(here.isOpen('flaky', 'model-a')).toBe(true);
    expect(here.snapshot()[0]).toMatchObject({ consecutiveFailures: 3, lastErrorClass: 'timeout' });
  });

  it('sends no message for a success on a route last seen healthy', async () => {
    const [worker] = node(1).workers;
    const circuits = new CircuitBreakers({ failureThreshold: 3, openMs: 60_000 });
    circuits.useSharedStore(worker.state.circuits as CircuitStateStore, (error) => {
      throw error;
    });
    circuits.recordFailure('steady', 'model-b', 'timeout');
    await settle();
    circuits.recordSuccess('steady', 'model-b');
    await settle();
    const sentBefore = worker.sent.length;
    for (let index = 0; index < 5; index++) circuits.recordSuccess('steady', 'model-b');
    await settle();
    expect(worker.sent.length).toBe(sentBefore);
    expect(worker.sent.map((message) => message.imagegate)).toEqual(['circuit-failure', 'circuit-success']);
  });

  it('keeps a route’s last error at its real time when a success is answered from the last state seen', async () => {
    // The link, the primary and the circuits all read the fake clock (Date.now, performance.now).
    vi.useFakeTimers();
    const settleOnClock = () => vi.advanceTimersByTimeAsync(5);
    const [worker] = node(1).workers;
    const circuits = new CircuitBreakers({ failureThreshold: 3, openMs: 60_000 });
    circuits.useSharedStore(worker.state.circuits as CircuitStateStore, (error) => {
      throw error;
    });
    const failedAt = Date.now();
    circuits.recordFailure('aging', 'model-c', 'timeout');
    await settleOnClock();
    circuits.recordSuccess('aging', 'model-c');
    await settleOnClock();
    await vi.advanceTimersByTimeAsync(200);
    circuits.recordSuccess('aging', 'model-c'); // answered from the state seen 200 ms ago
    await settleOnClock();
    const [entry] = circuits.snapshot().filter((circuit) => circuit.channel === 'aging');
    expect(entry.lastErrorClass).toBe('timeout');
    expect(entry.lastErrorAt).toBe(failedAt);
  });

  it('passes the summed metrics through', async () => {
    const [worker] = node(1).workers;
    expect(await worker.link.clusterMetrics()).toBe('summed 1\n');
  });
});
