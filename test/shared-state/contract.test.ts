// The same cases against every shared-state backend: one process alone, the workers of a node
// through their primary (the coordinator wired to two PrimaryLinks in this process), and two
// replicas through Redis. `first` and `second` are two processes of one deployment (the same
// object when the process runs alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator, type WorkerEndpoint } from '../../src/cluster/coordinator.js';
import { PrimaryLink } from '../../src/cluster/primary-link.js';
import { createLogger } from '../../src/security/logger.js';
import type { AdmissionLimits, AdmissionRequest } from '../../src/shared-state/admission.js';
import type { CircuitStateStore } from '../../src/shared-state/circuits.js';
import { createInProcessSharedState } from '../../src/shared-state/in-process/index.js';
import { createNodePrimarySharedState } from '../../src/shared-state/node-primary/index.js';
import { createRedisSharedState } from '../../src/shared-state/redis/index.js';
import type { RetestLease } from '../../src/shared-state/retest-lock.js';
import type { SharedState } from '../../src/shared-state/shared-state.js';
import { rejection } from '../helpers/errors.js';
import {
  createScratchSpace,
  describeWithServices,
  redisUrl,
  type ScratchSpace,
  takeServicesTurn,
  waitFor,
} from '../helpers/services.js';

interface Deployment {
  first: SharedState;
  second: SharedState;
}

function request(keyId: string, limits: Partial<AdmissionLimits>, images = 1): AdmissionRequest {
  return {
    keyId,
    images,
    limits: { requestsPerMinute: null, imagesPerMinute: null, concurrencyLimit: null, ...limits },
  };
}

/** Admitted, after a release that may take a moment to reach the backend. */
async function admittedSoon(state: SharedState, asked: AdmissionRequest): Promise<void> {
  await waitFor(
    () =>
      state.admission.admit(asked).then(
        (pass) => {
          pass.release();
          return true;
        },
        () => false,
      ),
    'the released slot',
  );
}

/** The retest lock, once a release has reached the backend. */
async function acquiredSoon(state: SharedState): Promise<RetestLease> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const lease = await state.retestLock.tryAcquire(60_000);
    if (lease) return lease;
    if (Date.now() > deadline) throw new Error('the retest lock was not freed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function admissionAndLockCases(deployment: () => Deployment): void {
  it('admits requestsPerMinute requests across processes, then refuses with a 429 and a retry time', async () => {
    const { first, second } = deployment();
    const asked = request('rpm-key', { requestsPerMinute: 3 });
    for (const state of [first, second, first]) (await state.admission.admit(asked)).release();
    const refused = await rejection(second.admission.admit(asked));
    expect(refused.httpStatus).toBe(429);
    expect(refused.errorClass).toBe('rate_limited');
    expect(refused.message).toMatch(/limited to 3 requests per minute/);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts images per minute across processes', async () => {
    const { first, second } = deployment();
    (await first.admission.admit(request('image-key', { imagesPerMinute: 5 }, 4))).release();
    const refused = await rejection(second.admission.admit(request('image-key', { imagesPerMinute: 5 }, 2)));
    expect(refused.message).toMatch(/limited to 5 images per minute/);
    (await second.admission.admit(request('image-key', { imagesPerMinute: 5 }, 1))).release();
  });

  it('holds a concurrency slot until its pass is released, once', async () => {
    const { first, second } = deployment();
    const asked = request('busy-key', { concurrencyLimit: 1 });
    const pass = await first.admission.admit(asked);
    const refused = await rejection(second.admission.admit(asked));
    expect(refused.httpStatus).toBe(429);
    expect(refused.message).toMatch(/1 request\(s\) in flight/);
    pass.release();
    pass.release();
    await admittedSoon(second, asked);
    await admittedSoon(first, asked);
  });

  it('admits every request of a key without limits', async () => {
    const { first, second } = deployment();
    const passes = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 ? first : second).admission.admit(request('free-key', {}, 4)),
      ),
    );
    for (const pass of passes) pass.release();
    expect(passes).toHaveLength(40);
  });

  it('lets one run hold the retest lock until it releases it', async () => {
    const { first, second } = deployment();
    const lease = await first.retestLock.tryAcquire(60_000);
    expect(lease).toBeDefined();
    expect(await second.retestLock.tryAcquire(60_000)).toBeUndefined();
    await lease?.release();
    const next = await acquiredSoon(second);
    expect(await first.retestLock.tryAcquire(60_000)).toBeUndefined();
    await next.release();
  });
}

function circuitCases(deployment: () => Deployment): void {
  const storeOf = (state: SharedState): CircuitStateStore => {
    if (!state.circuits) throw new Error(`the ${state.backend} backend shares no circuits`);
    return state.circuits;
  };

  it('opens a circuit at the threshold of failures seen by every process, and a success closes it', async () => {
    const [first, second] = [storeOf(deployment().first), storeOf(deployment().second)];
    const failure = { errorClass: 'timeout', wasProbe: false, failureThreshold: 2 };
    const once = await first.recordFailure('flaky', 'model-a', failure);
    expect(once).toMatchObject({ consecutiveFailures: 1, openedAgoMs: undefined, lastErrorClass: 'timeout' });
    expect(once.lastErrorAgoMs).toBeGreaterThanOrEqual(0);
    const twice = await second.recordFailure('flaky', 'model-a', { ...failure, errorClass: 'overloaded' });
    expect(twice).toMatchObject({ consecutiveFailures: 2, lastErrorClass: 'overloaded' });
    expect(twice.openedAgoMs).toBeGreaterThanOrEqual(0);
    expect(await first.readAll()).toContainEqual(
      expect.objectContaining({ channel: 'flaky', model: 'model-a', consecutiveFailures: 2 }),
    );
    const closed = await first.recordSuccess('flaky', 'model-a');
    expect(closed).toMatchObject({
      consecutiveFailures: 0,
      openedAgoMs: undefined,
      lastErrorClass: 'overloaded',
    });
    const [entry] = (await second.readAll()).filter((circuit) => circuit.model === 'model-a');
    expect(entry).toMatchObject({ consecutiveFailures: 0, openedAgoMs: undefined });
  });

  it('re-opens a circuit at once when its probe fails', async () => {
    const store = storeOf(deployment().second);
    const state = await store.recordFailure('probed', 'model-b', {
      errorClass: 'no_image',
      wasProbe: true,
      failureThreshold: 5,
    });
    expect(state.consecutiveFailures).toBe(1);
    expect(state.openedAgoMs).toBeGreaterThanOrEqual(0);
  });
}

describe('in-process shared state', () => {
  const state = createInProcessSharedState();
  admissionAndLockCases(() => ({ first: state, second: state }));

  it('shares no circuits: the process’s circuit breakers are the only copy', () => {
    expect(state.backend).toBe('in-process');
    expect(state.circuits).toBeUndefined();
  });
});

describe('node-primary shared state (two workers)', () => {
  const workers: Array<{ endpoint: WorkerEndpoint; state: SharedState }> = [];
  const coordinator = new ClusterCoordinator({
    workers: () => workers.map((worker) => worker.endpoint),
    clusterMetrics: async () => '',
  });
  for (const id of [1, 2]) {
    const link: PrimaryLink = new PrimaryLink((message) => {
      const copy = structuredClone(message);
      queueMicrotask(() => coordinator.receive(endpoint, copy));
    });
    const endpoint: WorkerEndpoint = {
      id,
      send: (message) => {
        const copy = structuredClone(message);
        queueMicrotask(() => link.receive(copy));
      },
    };
    const state = createNodePrimarySharedState(link, {
      onFailure: (_during, error) => {
        throw error;
      },
    });
    workers.push({ endpoint, state });
  }
  const deployment = () => ({ first: workers[0].state, second: workers[1].state });
  admissionAndLockCases(deployment);
  circuitCases(deployment);
});

describeWithServices('Redis shared state (two replicas)', () => {
  const logger = createLogger('silent');
  let scratch: ScratchSpace;
  let replicas: Deployment;
  let endTurn: (() => void) | undefined;

  beforeAll(async () => {
    endTurn = await takeServicesTurn();
    scratch = await createScratchSpace();
    const replica = () =>
      createRedisSharedState({ redisUrl, keyPrefix: scratch.redisPrefix, logger, requestDeadlineMs: 60_000 });
    replicas = { first: replica(), second: replica() };
    await waitFor(
      async () => replicas.first.reachable() && replicas.second.reachable(),
      'the redis connections',
    );
  }, 180_000);
  afterAll(async () => {
    await Promise.all([replicas?.first.close(), replicas?.second.close()]);
    await scratch?.dispose();
    endTurn?.();
  });

  admissionAndLockCases(() => replicas);
  circuitCases(() => replicas);
});
