import { afterAll, beforeAll, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/routing/circuit-breaker.js';
import type { AdmissionRequest } from '../../src/shared-state/admission.js';
import { RedisAdmission } from '../../src/shared-state/redis/admission.js';
import { RedisCircuitStore } from '../../src/shared-state/redis/circuits.js';
import { connectRedis, type RedisConnection } from '../../src/shared-state/redis/connection.js';
import { RedisRetestLock } from '../../src/shared-state/redis/retest-lock.js';
import { createLogger } from '../../src/security/logger.js';
import {
  createScratchSpace,
  describeWithServices,
  redisUrl,
  type ScratchSpace,
  takeServicesTurn,
  waitFor,
} from '../helpers/services.js';

const logger = createLogger('silent');

describeWithServices('Redis-backed shared state', () => {
  let scratch: ScratchSpace;
  let first: RedisConnection;
  let second: RedisConnection;
  let unreachable: RedisConnection;

  let endTurn: (() => void) | undefined;

  beforeAll(async () => {
    endTurn = await takeServicesTurn();
    scratch = await createScratchSpace();
    first = connectRedis({ url: redisUrl, keyPrefix: scratch.redisPrefix, logger });
    second = connectRedis({ url: redisUrl, keyPrefix: scratch.redisPrefix, logger });
    // A closed port: every call must fail fast rather than queue.
    unreachable = connectRedis({ url: 'redis://127.0.0.1:1', keyPrefix: scratch.redisPrefix, logger });
    await waitFor(async () => first.state() === 'ready' && second.state() === 'ready', 'redis connections');
  }, 180_000);
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close(), unreachable?.close()]);
    await scratch?.dispose();
    endTurn?.();
  });

  function limited(keyId: string, limits: Partial<AdmissionRequest['limits']>, images = 1): AdmissionRequest {
    return {
      keyId,
      images,
      limits: { requestsPerMinute: null, imagesPerMinute: null, concurrencyLimit: null, ...limits },
    };
  }

  it('admits exactly requestsPerMinute requests across two replicas racing each other', async () => {
    const replicas = [
      new RedisAdmission(first, { leaseMs: 60_000 }),
      new RedisAdmission(second, { leaseMs: 60_000 }),
    ];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, index) =>
        replicas[index % 2].admit(limited('rpm-key', { requestsPerMinute: 7 })),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(7);
    const rejection = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(rejection?.status === 'rejected' && rejection.reason.httpStatus).toBe(429);
    expect(rejection?.status === 'rejected' && rejection.reason.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('counts images per minute and frees concurrency slots on release', async () => {
    const admission = new RedisAdmission(first, { leaseMs: 60_000 });
    await admission.admit(limited('image-key', { imagesPerMinute: 5 }, 4));
    await expect(admission.admit(limited('image-key', { imagesPerMinute: 5 }, 2))).rejects.toMatchObject({
      httpStatus: 429,
    });
    await admission.admit(limited('image-key', { imagesPerMinute: 5 }, 1));

    const slot = await admission.admit(limited('busy-key', { concurrencyLimit: 1 }));
    const other = new RedisAdmission(second, { leaseMs: 60_000 });
    await expect(other.admit(limited('busy-key', { concurrencyLimit: 1 }))).rejects.toMatchObject({
      httpStatus: 429,
    });
    slot.release();
    await waitFor(
      () =>
        other.admit(limited('busy-key', { concurrencyLimit: 1 })).then(
          () => true,
          () => false,
        ),
      'the released slot',
    );
  });

  it('fails open while Redis is unreachable, counting each replica on its own', async () => {
    const admission = new RedisAdmission(unreachable, { leaseMs: 60_000 });
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => admission.admit(limited('offline-key', { requestsPerMinute: 3 }))),
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
  });

  it('lets one replica hold the retest lock, and a stale holder cannot free the next one', async () => {
    const lockA = new RedisRetestLock(first);
    const lockB = new RedisRetestLock(second);
    const leaseA = await lockA.tryAcquire(300);
    expect(leaseA).toBeDefined();
    expect(await lockB.tryAcquire(10_000)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const leaseB = await lockB.tryAcquire(10_000);
    expect(leaseB).toBeDefined();
    await leaseA?.release();
    expect(await lockA.tryAcquire(10_000)).toBeUndefined();
    await leaseB?.release();
    const again = await lockA.tryAcquire(10_000);
    expect(again).toBeDefined();
    await again?.release();
  });

  it('fails closed: no retest lock without Redis', async () => {
    expect(await new RedisRetestLock(unreachable).tryAcquire(10_000)).toBeUndefined();
  });

  it('shows a circuit opened by one replica to the other on its next refresh', async () => {
    const options = { failureThreshold: 2, openMs: 60_000 };
    const replicaA = new CircuitBreakers(options);
    const replicaB = new CircuitBreakers(options);
    const errors: unknown[] = [];
    replicaA.useSharedStore(new RedisCircuitStore(first), (error) => errors.push(error));
    replicaB.useSharedStore(new RedisCircuitStore(second), (error) => errors.push(error));
    replicaA.recordFailure('flaky', 'model-x', 'overloaded');
    replicaA.recordFailure('flaky', 'model-x', 'overloaded');
    expect(replicaA.isOpen('flaky', 'model-x')).toBe(true);
    expect(replicaB.isOpen('flaky', 'model-x')).toBe(false);
    await waitFor(async () => {
      await replicaB.refreshFromStore();
      return replicaB.isOpen('flaky', 'model-x');
    }, 'the shared circuit');
    expect(replicaB.snapshot()).toContainEqual(
      expect.objectContaining({
        channel: 'flaky',
        state: 'open',
        consecutiveFailures: 2,
        lastErrorClass: 'overloaded',
      }),
    );
    replicaB.recordSuccess('flaky', 'model-x');
    await waitFor(async () => {
      await replicaA.refreshFromStore();
      return !replicaA.isOpen('flaky', 'model-x');
    }, 'the close to reach the other replica');
    expect(errors).toEqual([]);
  });

  it('keeps circuits working in process when the store is unreachable', async () => {
    const circuits = new CircuitBreakers({ failureThreshold: 1, openMs: 60_000 });
    const errors: unknown[] = [];
    circuits.useSharedStore(new RedisCircuitStore(unreachable), (error) => errors.push(error));
    circuits.recordFailure('flaky', 'model-y', 'overloaded');
    expect(circuits.isOpen('flaky', 'model-y')).toBe(true);
    await expect(circuits.refreshFromStore()).rejects.toThrow();
    expect(circuits.isOpen('flaky', 'model-y')).toBe(true);
    await waitFor(async () => errors.length > 0, 'the failed write to be reported');
  });
});
