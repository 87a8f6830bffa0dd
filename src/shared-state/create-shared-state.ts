// The one place the shared-state backend is chosen: Redis when a URL is configured (every replica
// shares through it), the primary for a worker of a node, else this process alone. The process's
// circuit breakers are kept in step with the shared circuits here too.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/index.js';
import { type LocalCircuits, shareCircuitsThrough } from './circuits.js';
import { createInProcessSharedState } from './in-process/index.js';
import type { PrimaryChannel } from './node-primary/messages.js';
import { createNodePrimarySharedState } from './node-primary/index.js';
import type { SharedState } from './shared-state.js';

export interface SharedStateOptions {
  logger: Logger;
  /** This process's circuit breakers: they write outcomes through and re-read the shared circuits. */
  circuits: LocalCircuits;
  /** Set in a worker of a node (`server.workers` > 1): its line to the primary. */
  primary?: PrimaryChannel;
  circuitRefreshMs?: number;
}

export async function createSharedState(
  config: Pick<GatewayConfig, 'storage' | 'routing'>,
  options: SharedStateOptions,
): Promise<SharedState> {
  const state = await chooseBackend(config, options);
  if (!state.circuits) return state;
  const stopSharing = shareCircuitsThrough(options.circuits, state.circuits, {
    refreshMs: options.circuitRefreshMs ?? 250,
    ready: state.reachable,
    onError: (error, during) => state.reportFailure(during, error),
  });
  return {
    ...state,
    async close() {
      stopSharing();
      await state.close();
    },
  };
}

async function chooseBackend(
  config: Pick<GatewayConfig, 'storage' | 'routing'>,
  options: SharedStateOptions,
): Promise<SharedState> {
  const { redisUrl, redisKeyPrefix } = config.storage;
  if (redisUrl) {
    // Loaded only when configured: a single node never holds the Redis client in its heap.
    const { createRedisSharedState } = await import('./redis/index.js');
    return createRedisSharedState({
      redisUrl,
      keyPrefix: redisKeyPrefix,
      logger: options.logger,
      requestDeadlineMs: config.routing.deadlineMs,
    });
  }
  if (options.primary) {
    const { logger } = options;
    return createNodePrimarySharedState(options.primary, {
      onFailure: (during, error) => logger.warn({ err: error, during }, 'node circuit state unavailable'),
    });
  }
  return createInProcessSharedState();
}
