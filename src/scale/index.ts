// Shared state for several replicas, chosen when IMAGEGATE_REDIS_URL is set: circuit state, rate
// limits and concurrency, and the retest lock in Redis. Spend limits stay in the database.
import type { AdmissionControl } from '../billing/admission.js';
import type { RetestLock } from '../health/retest-lock.js';
import type { CircuitBreakers } from '../routing/circuit-breaker.js';
import type { Logger } from '../server/logger.js';
import { RedisAdmission } from './redis-admission.js';
import { shareCircuits } from './redis-circuits.js';
import { connectRedis, type RedisState } from './redis-connection.js';
import { RedisRetestLock } from './redis-retest-lock.js';

export type { RedisState } from './redis-connection.js';

export interface SharedStateOptions {
  redisUrl: string;
  keyPrefix: string;
  logger: Logger;
  circuits: CircuitBreakers;
  /** Longest a request may run (the dispatch deadline); concurrency slots outlive it a little. */
  requestDeadlineMs: number;
  circuitRefreshMs?: number;
}

export interface SharedState {
  admission: AdmissionControl;
  retestLock: RetestLock;
  /** For /readyz: whether Redis answers right now. */
  redisState(): RedisState;
  close(): Promise<void>;
}

export function startSharedState(options: SharedStateOptions): SharedState {
  const connection = connectRedis({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    logger: options.logger,
  });
  const stopCircuits = shareCircuits(options.circuits, connection, options.circuitRefreshMs);
  return {
    admission: new RedisAdmission(connection, { leaseMs: options.requestDeadlineMs + 60_000 }),
    retestLock: new RedisRetestLock(connection),
    redisState: () => connection.state(),
    async close() {
      stopCircuits();
      await connection.close();
    },
  };
}
