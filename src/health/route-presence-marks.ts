// Writes route presence: marks a route gone (a sync did not list the model, an upstream answered
// NOT_FOUND for it) and clears the mark once a sync lists the model or a retest reaches it again.
// The store is the truth every process shares; this process's cache takes the change at once.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.js';
import { clearRouteGone, markRouteGone } from '../store/route-presence.js';
import type { RoutePresenceCache } from './route-presence-cache.js';
import type { GoneReason, GoneRoute, PresenceSource } from './route-presence.js';

export interface GoneObservation {
  channel: string;
  modelId: string;
  upstreamId: string;
  reason: GoneReason;
  source: PresenceSource;
  /** In the gateway's own words: never upstream text. */
  detail: string;
}

export interface RoutePresenceMarksOptions {
  /** This process's view, updated at once (absent in the CLI, which only writes the store). */
  cache?: RoutePresenceCache;
  /** A store write failed (the mark then holds in this process only, until its next reload). */
  onError?: (error: unknown) => void;
  now?: () => number;
}

/** Words for a NOT_FOUND seen on a call, for the mark's detail. */
export function notFoundDetail(upstreamId: string, source: PresenceSource): string {
  const where = source === 'retest' ? 'a retest' : 'a live request';
  return `the upstream answered NOT_FOUND for "${upstreamId}" on ${where}`;
}

export class RoutePresenceMarks {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly options: RoutePresenceMarksOptions = {},
  ) {}

  /** Never throws: a failed write is reported to `onError`. */
  async markGone(observation: GoneObservation): Promise<void> {
    const { cache } = this.options;
    const known = cache?.goneRoute(observation.channel, observation.modelId);
    // A burst of NOT_FOUNDs on one route writes once.
    if (known && known.reason === observation.reason && known.source === observation.source) return;
    const at = (this.options.now ?? Date.now)();
    const route: GoneRoute = {
      channel: observation.channel,
      modelId: observation.modelId,
      upstreamId: observation.upstreamId,
      reason: observation.reason,
      source: observation.source,
      since: known?.since ?? new Date(at).toISOString(),
      detail: observation.detail,
    };
    const committed = cache?.apply(observation.channel, observation.modelId, route);
    try {
      await markRouteGone(this.db, {
        channel: route.channel,
        model: route.modelId,
        upstreamId: route.upstreamId,
        reason: route.reason,
        source: route.source,
        since: at,
        detail: route.detail,
      });
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      committed?.();
    }
  }

  /**
   * The route's upstream has the model again: clears its mark when the mark's reason is one of
   * `reasons` (a sync that lists the model clears either; a retest that reaches it clears only
   * `not_found`: a `not_listed` mark waits for the list to show the model). Returns the reason
   * cleared, if a mark was; never throws.
   */
  async markFound(
    channel: string,
    modelId: string,
    reasons: readonly GoneReason[],
  ): Promise<GoneReason | undefined> {
    const known = this.options.cache?.goneRoute(channel, modelId);
    if (known && !reasons.includes(known.reason)) return undefined;
    // A mark this process holds leaves its view at once; one only the store holds yet (another
    // process wrote it) is cleared there all the same.
    const committed = known ? this.options.cache?.apply(channel, modelId, undefined) : undefined;
    try {
      return await this.clearStored(channel, modelId, reasons);
    } finally {
      committed?.();
    }
  }

  private async clearStored(
    channel: string,
    modelId: string,
    reasons: readonly GoneReason[],
  ): Promise<GoneReason | undefined> {
    try {
      const cleared = await clearRouteGone(this.db, channel, modelId, reasons);
      return reasons.find((reason) => reason === cleared);
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
  }
}
