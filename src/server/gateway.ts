// The running gateway's parts, assembled once at start (src/server/assemble.ts). Routes and services
// below src/server receive it as their own narrow deps interface and never import this type.
import type { RequestBilling } from '../billing/request-billing.js';
import type { ModelCatalog } from '../catalog/catalog.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { RouteChannel } from '../routing/channel.js';
import type { ChannelStateRecorder } from '../routing/channel-state-recorder.js';
import type { CircuitBreakers } from '../routing/circuit-breaker.js';
import type { Dispatcher } from '../routing/dispatch.js';
import type { KeyPool } from '../routing/key-pool.js';
import type { SharedState } from '../shared-state/shared-state.js';
import type { ServerTimeouts } from '../security/limits.js';
import type { ConversationsConfig } from '../config/index.js';
import type { ConversationStore, RequestLogWriter, StoreDatabase } from '../store/index.js';
import type { RetestService } from '../health/retest-service.js';
import type { RouteDemotions } from '../health/route-demotions.js';
import type { RoutePresenceView } from '../health/route-presence.js';
import type { RoutePresenceMarks } from '../health/route-presence-marks.js';
import type { ModelSync } from '../discovery/model-sync.js';
import type { BodyMemory } from '../pipeline/body-memory.js';
import type { BufferPool } from '../http/buffer-pool.js';
import type { ClientAuthenticator } from '../pipeline/client-auth.js';
import type { ClusterMember } from '../cluster/worker.js';
import type { Logger } from '../security/logger.js';
import type { GatewayMetrics } from './metrics.js';

export interface Gateway {
  catalog: ModelCatalog;
  /** Which model serves a requested id today (successors of retired ids, the recommended model). */
  lifecycle: ModelLifecycle;
  channels: RouteChannel[];
  dispatcher: Dispatcher;
  circuits: CircuitBreakers;
  /** Routes whose latest retest gave no image or a wrong one; the planner keeps traffic off them. */
  routeDemotions: RouteDemotions;
  /** Routes whose upstream no longer has the model (sync or NOT_FOUND); the planner skips them. */
  routePresence: RoutePresenceView;
  /** Writes route presence: gone on NOT_FOUND or a sync's absence, found again on a sync or retest. */
  routeMarks: RoutePresenceMarks;
  /** `imagegate models sync` for this gateway's channels (admin API, schedule). */
  modelSync?: ModelSync;
  keys: KeyPool;
  auth: ClientAuthenticator;
  database: StoreDatabase;
  requestLog: RequestLogWriter;
  /** Admission, holds, settles and reconciliation for every door (src/billing/). */
  billing: RequestBilling;
  /** Stored turns of the doors that keep conversations (OpenAI Responses, Gemini Interactions). */
  conversations: ConversationStore;
  /** How long a stored turn lives and how many turns a continued conversation carries. */
  conversationPolicy: ConversationsConfig;
  metrics: GatewayMetrics;
  logger: Logger;
  adminKey?: string;
  bodyLimitBytes: number;
  /** Bounds the bytes of large request bodies in memory at once (absent: unbounded). */
  bodyMemory?: BodyMemory;
  /** Large body buffers reused across requests (absent: every body is a new allocation). */
  bufferPool?: BufferPool;
  /** HTTP server timeouts (defaults in security/limits.ts when absent). */
  serverTimeouts?: ServerTimeouts;
  /**
   * A per-process secret (one per node with `server.workers`): a request carrying it in
   * `x-imagegate-internal-token` may pin a channel with `x-imagegate-pin-channel` (used by retests,
   * which must test one route, not the failover).
   */
  internalToken: string;
  /** Last error class per (channel, model, key), mirrored to the channel_state table. */
  channelStates?: ChannelStateRecorder;
  /** Set while shutting down: readiness turns false, new work is refused. */
  draining: boolean;
  /** Admission, circuits and the retest lock shared with the deployment's other processes (src/shared-state/). */
  sharedState?: SharedState;
  /** Set in a worker of `server.workers` > 1: its place and its line to the primary (src/cluster/). */
  cluster?: ClusterMember;
  /** Semantic retests (set once the app is built; see src/health/retest-service.ts). */
  retests?: RetestService;
}

/**
 * Waits until every settle and request log row queued so far is committed, by this process and by
 * the other workers of its node: reads that must see them.
 */
export async function pendingWritesCommitted(
  gateway: Pick<Gateway, 'billing' | 'requestLog' | 'cluster'>,
): Promise<void> {
  if (gateway.cluster) await gateway.cluster.link.commitEverywhere();
  else await localWritesCommitted(gateway);
}

/** Waits until this process's queued settles and request log rows are committed. */
export async function localWritesCommitted(gateway: Pick<Gateway, 'billing' | 'requestLog'>): Promise<void> {
  await gateway.billing.flush();
  await gateway.requestLog.flush();
}
