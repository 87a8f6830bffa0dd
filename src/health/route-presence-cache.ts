// The process's copy of route presence for the planner, the lifecycle and the status page: gone routes
// and upstream-announced shutdowns, read from the store at start and on a timer (other replicas,
// workers and the CLI write there too), with this process's own marks applied at once.
import type { LifecycleFacts } from '../catalog/served-model.js';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import {
  listGoneRoutes,
  listUpstreamModels,
  type StoredGoneRoute,
  type StoredUpstreamModel,
} from '../store/route-presence.js';
import type {
  GoneReason,
  GoneRoute,
  PresenceSource,
  RoutePresenceView,
  UpstreamShutdown,
} from './route-presence.js';

/** What the cache needs of a channel to tie an upstream id to the catalog model it serves. */
export interface PresenceChannel {
  name: string;
  models: readonly string[];
  modelMap: Readonly<Record<string, string>>;
}

export interface PresenceSnapshot {
  gone: StoredGoneRoute[];
  upstreamModels: StoredUpstreamModel[];
}

/** A mark this process wrote: kept over reloads that may have read the store before it landed. */
interface LocalChange {
  route: GoneRoute | undefined;
  /** When the store had it; undefined while the write is under way. */
  committedAt: number | undefined;
}

const routeKey = (channel: string, modelId: string) => `${channel}\u0000${modelId}`;

const goneReasons: readonly GoneReason[] = ['not_listed', 'not_found'];
const presenceSources: readonly PresenceSource[] = ['sync', 'live', 'retest'];

/** A stored row as the view's type; rows another version wrote with unknown words are skipped. */
export function goneRouteOf(row: StoredGoneRoute): GoneRoute | undefined {
  const reason = goneReasons.find((known) => known === row.reason);
  const source = presenceSources.find((known) => known === row.source);
  if (!reason || !source) return undefined;
  return {
    channel: row.channel,
    modelId: row.model,
    upstreamId: row.upstreamId,
    reason,
    source,
    since: new Date(row.since).toISOString(),
    detail: row.detail,
  };
}

/** "gone upstream: not listed (sync, since 2026-12-06T10:00:00.000Z)" for route listings. */
export function goneText(route: Pick<GoneRoute, 'reason' | 'source' | 'since'>): string {
  const why = route.reason === 'not_listed' ? 'not listed' : 'NOT_FOUND';
  return `gone upstream: ${why} (${route.source}, since ${route.since})`;
}

/** Shutdowns the channels' upstreams announced for the models each channel routes. Pure. */
export function announcedShutdownsOf(
  channels: readonly PresenceChannel[],
  upstreamModels: readonly StoredUpstreamModel[],
): UpstreamShutdown[] {
  const byRoute = new Map(upstreamModels.map((row) => [routeKey(row.channel, row.upstreamId), row]));
  const shutdowns: UpstreamShutdown[] = [];
  for (const channel of channels) {
    for (const modelId of channel.models) {
      const upstreamId = channel.modelMap[modelId] ?? modelId;
      const row = byRoute.get(routeKey(channel.name, upstreamId));
      if (row?.shutdown) {
        shutdowns.push({
          channel: channel.name,
          modelId,
          upstreamId,
          shutdown: row.shutdown,
          seenAt: new Date(row.lastSeen).toISOString(),
        });
      }
    }
  }
  return shutdowns;
}

export class RoutePresenceCache implements RoutePresenceView, LifecycleFacts {
  private gone = new Map<string, GoneRoute>();
  private shutdowns: UpstreamShutdown[] = [];
  private earliestShutdown = new Map<string, string>();
  private readonly local = new Map<string, LocalChange>();

  constructor(
    private readonly channels: readonly PresenceChannel[],
    private readonly load: () => Promise<PresenceSnapshot>,
    private readonly now: () => number = Date.now,
  ) {}

  isGone(channel: string, modelId: string): boolean {
    return this.gone.has(routeKey(channel, modelId));
  }

  goneRoute(channel: string, modelId: string): GoneRoute | undefined {
    return this.gone.get(routeKey(channel, modelId));
  }

  goneRoutes(): GoneRoute[] {
    return [...this.gone.values()];
  }

  announcedShutdowns(): UpstreamShutdown[] {
    return [...this.shutdowns];
  }

  /** The earliest shutdown any channel's upstream announced for the model (LifecycleFacts). */
  announcedShutdown(modelId: string): string | null {
    return this.earliestShutdown.get(modelId) ?? null;
  }

  /** Reads the store again; marks this process wrote after the read began are kept. */
  async reload(): Promise<void> {
    const startedAt = this.now();
    const snapshot = await this.load();
    const gone = new Map<string, GoneRoute>();
    for (const row of snapshot.gone) {
      const route = goneRouteOf(row);
      if (route) gone.set(routeKey(route.channel, route.modelId), route);
    }
    for (const [key, change] of this.local) {
      if (change.committedAt !== undefined && change.committedAt < startedAt) {
        this.local.delete(key);
        continue;
      }
      if (change.route) gone.set(key, change.route);
      else gone.delete(key);
    }
    this.gone = gone;
    this.shutdowns = announcedShutdownsOf(this.channels, snapshot.upstreamModels);
    const earliest = new Map<string, string>();
    for (const shutdown of this.shutdowns) {
      const known = earliest.get(shutdown.modelId);
      if (known === undefined || shutdown.shutdown < known) earliest.set(shutdown.modelId, shutdown.shutdown);
    }
    this.earliestShutdown = earliest;
  }

  /**
   * Applies a mark this process is writing (a route gone, or `undefined` for one found again) at once;
   * the returned function is called once the store has it.
   */
  apply(channel: string, modelId: string, route: GoneRoute | undefined): () => void {
    const key = routeKey(channel, modelId);
    const change: LocalChange = { route, committedAt: undefined };
    this.local.set(key, change);
    if (route) this.gone.set(key, route);
    else this.gone.delete(key);
    return () => {
      change.committedAt = this.now();
    };
  }
}

/** A cache over the store's gone routes and upstream lists, read once (call reload() to refresh). */
export async function loadRoutePresence(
  db: Kysely<DatabaseSchema>,
  channels: readonly PresenceChannel[],
): Promise<RoutePresenceCache> {
  const cache = new RoutePresenceCache(channels, async () => ({
    gone: await listGoneRoutes(db),
    upstreamModels: await listUpstreamModels(db),
  }));
  await cache.reload();
  return cache;
}
