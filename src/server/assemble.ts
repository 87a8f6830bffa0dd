// Assembles a running gateway from its configuration: store, catalog, channels, routing, HTTP app.
import { ModelLifecycle } from '../catalog/served-model.js';
import { loadRoutePresence } from '../health/route-presence-cache.js';
import { notFoundDetail, RoutePresenceMarks } from '../health/route-presence-marks.js';
import { ModelSync } from '../discovery/model-sync.js';
import { startSyncSchedule } from '../discovery/sync-schedule.js';
import { listerFor } from '../providers/model-listers.js';
import { BodyMemory } from '../pipeline/body-memory.js';
import { BufferPool } from '../http/buffer-pool.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Ledger } from '../billing/ledger.js';
import { newHoldOwner } from '../billing/hold-owner.js';
import { releaseOpenHolds, startHoldSweeper } from '../billing/recover-holds.js';
import { type ReplayResult, SettleJournal } from '../billing/settle-journal.js';
import { RequestBilling } from '../billing/request-billing.js';
import type { ChannelConfig, GatewayConfig } from '../config/index.js';
import { normalizeUpstreamImages } from '../providers/normalize-images.js';
import { RetestService } from '../health/retest-service.js';
import { RouteDemotions } from '../health/route-demotions.js';
import { providerFor } from '../providers/registry.js';
import type { RouteChannel } from '../routing/channel.js';
import { ChannelStateRecorder } from '../routing/channel-state-recorder.js';
import { CircuitBreakers } from '../routing/circuit-breaker.js';
import { pixelMemory } from '../engine/pixel-memory.js';
import { Dispatcher } from '../routing/dispatch.js';
import { KeyPool } from '../routing/key-pool.js';
import {
  ConversationStore,
  createClientKey,
  listClientKeys,
  migrateToLatest,
  openDatabase,
  RequestLogWriter,
  type StoreDatabase,
  startConversationPurge,
} from '../store/index.js';
import { latestRetestVerdicts } from '../store/retest-results.js';
import { buildApp } from './app.js';
import { ClientAuthenticator } from '../pipeline/client-auth.js';
import { type Gateway, localWritesCommitted, pendingWritesCommitted } from './gateway.js';
import type { SyncReport } from '../discovery/sync-report.js';
import { type ClusterMember, shareMetrics } from '../cluster/worker.js';
import { createLogger, type Logger } from '../security/logger.js';
import { createMetrics } from './metrics.js';
import { countedBodyBytes } from '../security/limits.js';
import { rememberSecrets } from '../security/known-secrets.js';
import { createSharedState } from '../shared-state/create-shared-state.js';

export function routeChannel(channel: ChannelConfig): RouteChannel {
  // Every configured key is scrubbed verbatim from upstream text, whichever channel's answer it is.
  rememberSecrets(channel.apiKeys);
  return {
    name: channel.name,
    providerType: channel.provider,
    provider: providerFor(channel.provider, channel.api),
    baseUrl: channel.baseUrl ?? '',
    apiKeys: channel.apiKeys,
    models: channel.models,
    modelMap: channel.modelMap,
    priority: channel.priority,
    weight: channel.weight,
    timeoutMs: channel.timeoutMs,
    options: { authStyle: channel.authStyle, vertex: channel.vertex },
    responsesModels: channel.responsesModels,
  };
}

export interface RunningGateway {
  gateway: Gateway;
  app: FastifyInstance;
  /** Set when a bootstrap key was created on this start (first start, or IMAGEGATE_BOOTSTRAP_KEY). */
  createdBootstrapKey?: string;
  /** Starts `catalog.sync` (at start-up and on its interval); `serve` calls it once listening. */
  startModelSyncSchedule(): void;
  close(): Promise<void>;
}

export async function createGateway(
  config: GatewayConfig,
  options: {
    logger?: Logger;
    database?: StoreDatabase;
    cluster?: ClusterMember;
    /** The clock circuit breakers and key rests read (tests move it instead of sleeping). */
    now?: () => number;
  } = {},
): Promise<RunningGateway> {
  const { cluster } = options;
  const logger = options.logger ?? createLogger();
  const database =
    options.database ?? (await openDatabase(config.storage.databaseUrl, config.storage.dataDir));
  await migrateToLatest(database.db);
  // Crash recovery before serving: holds whose process is gone are released and logged; holds of
  // live processes (other replicas, a running serve beside `imagegate retest`) are left alone.
  const holdOwner = newHoldOwner();
  // Embedded SQLite: settles are journaled beside the database file and committed in batches.
  const journalDir = database.file ? `${database.file}-settles` : undefined;
  const recoveryScope = {
    self: holdOwner,
    maxAgeMs: config.routing.deadlineMs + 120_000,
    journalDir,
    onReplay: (replayed: ReplayResult) =>
      logger.warn(replayed, 'replayed settles journaled by a process that is gone'),
  };
  const recovered = await releaseOpenHolds(database.db, Date.now(), recoveryScope);
  if (recovered > 0) logger.warn({ recovered }, 'released holds left open by an earlier process');
  const stopHoldSweeper = startHoldSweeper(database.db, recoveryScope, (released, error) => {
    if (error) logger.error({ err: error }, 'hold recovery sweep failed');
    else if (released > 0) logger.warn({ released }, 'released holds of a process that is gone');
  });
  // Workers on one node split the node's bound.
  const bodyMemoryBytes = Math.floor(config.server.bodyMemoryBytes / (cluster?.count ?? 1));
  const bodyMemory = new BodyMemory({
    limitBytes: bodyMemoryBytes,
    // The body must still arrive within the request timeout once it is let in.
    maxWaitMs: Math.floor(config.server.requestTimeoutMs / 2),
  });
  // Idle buffers kept for reuse: a few large bodies' worth, a small share of the memory bound.
  // Decoded pixels share the node's memory the same way (src/engine/pixel-memory.ts).
  pixelMemory.configure({
    limitBytes: Math.floor(config.engine.pixelMemoryBytes / (cluster?.count ?? 1)),
    maxWaitMs: config.engine.pixelWaitMs,
  });
  const bufferPool = new BufferPool({
    minBytes: countedBodyBytes,
    maxIdleBytes: Math.min(64 * 1024 * 1024, Math.floor(bodyMemoryBytes / 4)),
  });
  const metrics = createMetrics(bodyMemory);
  if (cluster) shareMetrics(metrics.registry);
  const channels = config.channels.map(routeChannel);
  const circuits = new CircuitBreakers({ ...config.routing.circuit, now: options.now });
  const keys = new KeyPool(options.now);
  // Admission, circuits and the retest lock shared with the deployment's other processes, if any.
  const sharedState = await createSharedState(config, { logger, circuits, primary: cluster?.link });
  const channelStates = new ChannelStateRecorder(
    database.db,
    () => circuits.snapshot(),
    (error) => logger.error({ err: error }, 'channel state write failed'),
  );
  // Loaded before the first request, so a route demoted before a restart stays demoted.
  const routeDemotions = new RouteDemotions(() => latestRetestVerdicts(database.db, { since: 0 }));
  await routeDemotions.reload();
  const stopReloadingDemotions = reloadEvery(config.retest.verdictReloadSeconds * 1000, () =>
    routeDemotions
      .reload()
      .catch((error: unknown) => logger.warn({ err: error }, 'retest verdict reload failed')),
  );
  // Loaded before the first request too: a route whose upstream lost the model stays skipped.
  const routePresence = await loadRoutePresence(database.db, channels);
  const stopReloadingPresence = reloadEvery(config.retest.verdictReloadSeconds * 1000, () =>
    routePresence
      .reload()
      .catch((error: unknown) => logger.warn({ err: error }, 'route presence reload failed')),
  );
  const routeMarks = new RoutePresenceMarks(database.db, {
    cache: routePresence,
    onError: (error) => logger.error({ err: error }, 'route presence write failed'),
  });
  const dispatcher = new Dispatcher({
    channels: () => channels,
    circuits,
    isDemoted: (channel, model) => routeDemotions.isDemoted(channel, model),
    isGone: (channel, model) => routePresence.isGone(channel, model),
    onRouteGone: (route) => {
      const source = route.pinned ? 'retest' : 'live';
      logger.warn(
        { channel: route.channel, model: route.modelId, source },
        'upstream no longer serves the model',
      );
      void routeMarks.markGone({
        channel: route.channel,
        modelId: route.modelId,
        upstreamId: route.upstreamId,
        reason: 'not_found',
        source,
        detail: notFoundDetail(route.upstreamId, source),
      });
    },
    keys,
    maxAttempts: config.routing.maxAttempts,
    deadlineMs: config.routing.deadlineMs,
    normalizeResponse: (response, channel, signal) =>
      normalizeUpstreamImages(response, channel.baseUrl, signal),
    onAttempt: (record) => {
      channelStates.record(record);
      metrics.upstreamAttempts.inc({ channel: record.channel, model: record.model, outcome: record.outcome });
      metrics.upstreamAttemptDuration.observe(
        { channel: record.channel, model: record.model },
        record.latencyMs / 1000,
      );
    },
  });
  const requestLog = new RequestLogWriter(database.db, {
    onError: (error, lostRows) => logger.error({ err: error, lostRows }, 'request log write failed'),
  });
  const billing = new RequestBilling({
    ledger: new Ledger(database.db, {
      owner: holdOwner,
      journal: journalDir ? new SettleJournal(journalDir, holdOwner) : undefined,
      settleBatchMs: config.billing.settleBatchMs,
      onJournaledFailure: (error, settles) =>
        logger.error(
          { err: error, settles },
          'settle batch failed to commit; its journal is kept for the next start',
        ),
    }),
    admission: sharedState.admission,
    config: config.billing,
    watchdogMs: config.routing.deadlineMs + 60_000,
    onError: (error, requestId) => logger.error({ err: error, requestId }, 'billing write failed'),
  });
  const conversations = new ConversationStore(database.db);
  // Every process purges (a delete by expiry is idempotent); the first run does not hold up start.
  const stopConversationPurge = startConversationPurge(conversations, {
    onResult: (removed, error) => {
      if (error) logger.error({ err: error }, 'conversation purge failed');
      else if (removed > 0) logger.info({ removed }, 'purged expired conversation turns');
    },
  });
  const lifecycle = new ModelLifecycle(config.catalog, config.catalogPolicy.retired);
  lifecycle.useFacts(routePresence);
  const gateway: Gateway = {
    catalog: config.catalog,
    lifecycle,
    routePresence,
    routeMarks,
    modelSync: new ModelSync({
      channels: config.channels,
      catalog: config.catalog,
      lifecycle,
      db: database.db,
      marks: routeMarks,
      onRecorded: () => routePresence.reload(),
      onError: (error, channel) => logger.error({ err: error, channel }, 'model sync failed'),
    }),
    channels,
    dispatcher,
    circuits,
    routeDemotions,
    keys,
    auth: new ClientAuthenticator(database.db),
    database,
    requestLog,
    billing,
    conversations,
    conversationPolicy: config.conversations,
    metrics,
    logger,
    adminKey: config.auth.adminKey,
    bodyLimitBytes: config.server.bodyLimitBytes,
    bodyMemory,
    bufferPool,
    serverTimeouts: config.server,
    internalToken: cluster?.internalToken ?? randomBytes(24).toString('base64url'),
    draining: false,
    sharedState,
    channelStates,
    cluster,
  };
  cluster?.link.onCommitRequested(() => localWritesCommitted(gateway));
  const createdBootstrapKey = await ensureBootstrapKey(database, config.auth.bootstrapKey);
  const app = buildApp(gateway);
  // After the bootstrap key, so a first start with no keys still shows one.
  gateway.retests = new RetestService({
    deps: {
      catalog: gateway.catalog,
      lifecycle: gateway.lifecycle,
      channels: gateway.channels,
      database: gateway.database,
      internalToken: gateway.internalToken,
      routeDemotions: gateway.routeDemotions,
      routeMarks: gateway.routeMarks,
      logger: gateway.logger,
      writesCommitted: () => pendingWritesCommitted(gateway),
    },
    app,
    config: config.retest,
    lock: sharedState.retestLock,
  });
  await gateway.retests.credentials.prepare();
  let stopSyncSchedule = () => {};
  return {
    gateway,
    app,
    createdBootstrapKey,
    startModelSyncSchedule() {
      stopSyncSchedule();
      stopSyncSchedule = startSyncSchedule({
        sync: gateway.modelSync as ModelSync,
        config: config.catalogPolicy.sync,
        hasKeyedChannels: config.channels.some(
          (channel) => channel.apiKeys.length > 0 && listerFor(channel.provider) !== undefined,
        ),
        onReport: (report) => logSyncReport(logger, report),
        onError: (error) => logger.error({ err: error }, 'scheduled model sync failed'),
      });
    },
    async close() {
      gateway.draining = true;
      stopSyncSchedule();
      stopHoldSweeper();
      stopReloadingDemotions();
      stopReloadingPresence();
      await gateway.retests?.stop();
      await app.close();
      await billing.closeAll();
      await requestLog.close();
      await sharedState.close();
      await channelStates.close();
      await stopConversationPurge();
      await database.close();
    },
  };
}

/** One log line per scheduled sync: a warning naming what needs action, else a quiet info line. */
function logSyncReport(logger: Logger, report: SyncReport): void {
  const missing = report.channels.flatMap((channel) =>
    channel.missing.filter((entry) => !entry.expected).map((entry) => `${channel.channel}/${entry.model}`),
  );
  const failed = report.channels
    .filter((channel) => channel.status === 'failed')
    .map((channel) => ({ channel: channel.channel, reason: channel.reason, detail: channel.detail }));
  const fields = { summary: report.summary, missingUpstream: missing, failed };
  if (report.needsAction) logger.warn(fields, 'model sync found routes needing action');
  else logger.info(fields, 'model sync done');
}

/** Runs `reload` every `intervalMs`, never two at once; returns the stop function. */
function reloadEvery(intervalMs: number, reload: () => Promise<void>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void reload().finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** IMAGEGATE_BOOTSTRAP_KEY always exists after start; with no keys at all, one is made and shown once. */
async function ensureBootstrapKey(
  database: StoreDatabase,
  value: string | undefined,
): Promise<string | undefined> {
  if (value) {
    const created = await createClientKey(database.db, { name: 'bootstrap', value, controlled: true });
    return created.key;
  }
  const existing = await listClientKeys(database.db);
  if (existing.length > 0) return undefined;
  const created = await createClientKey(database.db, { name: 'bootstrap', controlled: true });
  return created.key;
}
