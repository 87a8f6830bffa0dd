// Routes whose upstream no longer has the model: `imagegate models sync` found it missing from the
// channel's model list, or a live call or retest got NOT_FOUND for it. Routing skips a gone route
// until a sync or a retest finds the model again; the status page names it "retired upstream".

export type GoneReason = 'not_listed' | 'not_found';
export type PresenceSource = 'sync' | 'live' | 'retest';

export interface GoneRoute {
  channel: string;
  modelId: string;
  /** The id the channel called upstream. */
  upstreamId: string;
  reason: GoneReason;
  source: PresenceSource;
  /** ISO timestamp of the first observation. */
  since: string;
  /** What was seen, in the gateway's own words (never upstream text). */
  detail: string;
}

/** A shutdown date an upstream's own model list announced (OpenAI `shutdown_date`). */
export interface UpstreamShutdown {
  channel: string;
  modelId: string;
  upstreamId: string;
  /** YYYY-MM-DD. */
  shutdown: string;
  /** ISO timestamp of the sync that saw it. */
  seenAt: string;
}

/** What routing, lifecycle and the status page read; the store-backed implementation writes it. */
export interface RoutePresenceView {
  isGone(channel: string, modelId: string): boolean;
  goneRoutes(): GoneRoute[];
  announcedShutdowns(): UpstreamShutdown[];
}

export const nothingGone: RoutePresenceView = {
  isGone: () => false,
  goneRoutes: () => [],
  announcedShutdowns: () => [],
};
