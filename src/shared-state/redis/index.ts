// Shared state of several replicas, chosen when IMAGEGATE_REDIS_URL is set: circuit state, rate
// limits and concurrency, and the retest lock in Redis. Spend limits stay in the database.
import type { Logger } from 'pino';
import type { SharedState } from '../shared-state.js';
import { RedisAdmission } from './admission.js';
import { RedisCircuitStore } from './circuits.js';
import { connectRedis } from './connection.js';
import { RedisRetestLock } from './retest-lock.js';

export interface RedisSharedStateOptions {
  redisUrl: string;
  keyPrefix: string;
  logger: Logger;
  /** Longest a request may run (the dispatch deadline); concurrency slots outlive it a little. */
  requestDeadlineMs: number;
}

export function createRedisSharedState(options: RedisSharedStateOptions): SharedState {
  const connection = connectRedis({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    logger: options.logger,
  });
  return {
    backend: 'redis',
    admission: new RedisAdmission(connection, { leaseMs: options.requestDeadlineMs + 60_000 }),
    retestLock: new RedisRetestLock(connection),
    circuits: new RedisCircuitStore(connection),
    reachable: () => connection.state() === 'ready',
    reportFailure: (during, error) => connection.reportFailure(during, error),
    redisState: () => connection.state(),
    close: () => connection.close(),
  };
}
