// The retest service of one running gateway: plans, locks and runs retests on demand (CLI, admin
// API) and on the configured schedule, talking to the gateway's own listening socket on loopback.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { RetestConfig } from '../config/types.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { RouteChannel } from '../routing/channel.js';
import type { Logger } from '../security/logger.js';
import { RetestCredentials } from './retest-key.js';
import { InProcessRetestLock } from '../shared-state/in-process/retest-lock.js';
import type { RetestLock } from '../shared-state/retest-lock.js';
import type { RetestDoor } from './retest-outcome.js';
import { planRetests, type RetestFilter } from './retest-plan.js';
import { type RetestDeps, type RetestResult, RetestRunner } from './retest-runner.js';
import { RetestScheduler } from './retest-scheduler.js';

export class RetestBusyError extends Error {
  constructor() {
    super('a retest run is already in progress; try again when it has finished');
  }
}

/** http://127.0.0.1:PORT for a server bound to any address (0.0.0.0 and :: included). */
export function loopbackUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo | string | null;
  if (!address || typeof address === 'string') throw new Error('the gateway is not listening on a TCP port');
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

/** What the retest service needs: a run's parts, plus the routes to plan and a logger for the schedule. */
export interface RetestServiceDeps extends RetestDeps {
  channels: RouteChannel[];
  lifecycle: ModelLifecycle;
  logger: Logger;
}

export interface RetestServiceOptions {
  deps: RetestServiceDeps;
  app: FastifyInstance;
  config: RetestConfig;
  lock?: RetestLock;
  timeoutMs?: number;
}

export class RetestService {
  readonly credentials: RetestCredentials;
  readonly doors: readonly RetestDoor[];
  private readonly runner: RetestRunner;
  private readonly lock: RetestLock;
  private scheduler: RetestScheduler | undefined;

  constructor(private readonly options: RetestServiceOptions) {
    this.credentials = new RetestCredentials(options.deps.database.db);
    this.doors = options.config.doors;
    this.lock = options.lock ?? new InProcessRetestLock();
    this.runner = new RetestRunner({
      deps: options.deps,
      baseUrl: () => loopbackUrl(options.app),
      credentials: this.credentials,
      timeoutMs: options.timeoutMs,
    });
  }

  /** Throws RetestFilterError for an unknown model or channel, RetestBusyError when a run is on. */
  async run(
    filter: RetestFilter = {},
    onResult?: (result: RetestResult, index: number, total: number) => void,
  ): Promise<RetestResult[]> {
    const { deps } = this.options;
    const targets = planRetests(deps.channels, deps.catalog, this.doors, filter, (id) =>
      deps.lifecycle.servedId(id),
    );
    const lease = await this.lock.tryAcquire(targets.length * ((this.options.timeoutMs ?? 120_000) + 5000));
    if (!lease) throw new RetestBusyError();
    try {
      return await this.runner.run(targets, (result, index) => onResult?.(result, index, targets.length));
    } finally {
      await lease.release();
    }
  }

  /** Starts the jittered schedule when config.retest.enabled; the serve command calls this. */
  startSchedule(): void {
    if (!this.options.config.enabled || this.scheduler) return;
    const { logger } = this.options.deps;
    this.scheduler = new RetestScheduler({
      intervalMinutes: this.options.config.intervalMinutes,
      jitterSeconds: this.options.config.jitterSeconds,
      run: async () => {
        try {
          const results = await this.run();
          const failed = results.filter((result) => result.doorAvailable && result.outcome !== 'pass');
          logger.info({ retests: results.length, failed: failed.length }, 'scheduled retest finished');
        } catch (error) {
          if (!(error instanceof RetestBusyError)) throw error;
          logger.info('scheduled retest skipped: another run is in progress');
        }
      },
      onError: (error) => logger.error({ err: error }, 'scheduled retest failed'),
    });
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
    this.scheduler = undefined;
  }
}
