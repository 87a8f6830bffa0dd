// One Redis connection per process for shared state, set up to fail fast (no offline queue, one
// retry, short timeouts) so an outage costs a rejected call, never a hanging request.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisState } from '../shared-state.js';

export interface RedisConnectionOptions {
  url: string;
  /** Prepended to every key, so several gateways (or tests) can share one Redis. */
  keyPrefix: string;
  logger: Logger;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface RedisConnection {
  client: Redis;
  keyPrefix: string;
  state(): RedisState;
  /** Reports a failed shared-state call; logs once per outage, not once per call. */
  reportFailure(what: string, error: unknown): void;
  close(): Promise<void>;
}

export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  const { logger } = options;
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // Keep trying to reconnect for as long as the process lives, at most once a second.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
  });
  let outageLogged = false;
  client.on('ready', () => {
    if (outageLogged) logger.info('redis reachable again; shared state resumes');
    outageLogged = false;
  });
  client.on('error', (error: Error) => {
    if (!outageLogged) logger.warn({ err: error }, 'redis unavailable; falling back per docs/deploy.md');
    outageLogged = true;
  });
  return {
    client,
    keyPrefix: options.keyPrefix,
    state: () => (client.status === 'ready' ? 'ready' : 'unavailable'),
    reportFailure(what, error) {
      if (outageLogged) return;
      outageLogged = true;
      logger.warn({ err: error, during: what }, 'redis call failed; falling back per docs/deploy.md');
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
