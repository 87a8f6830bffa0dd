// Each model's lifecycle as /status, /status.json and `imagegate report` show it (status, dates,
// successor, what answers a retired id, where a shutdown date came from), and gone routes in words.
import {
  describeLifecycle,
  type Lifecycle,
  type LifecycleStatus,
  lifecycleOf,
} from '../catalog/lifecycle.js';
import type { CatalogModel } from '../catalog/schema.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type {
  GoneReason,
  GoneRoute,
  PresenceSource,
  RoutePresenceView,
  UpstreamShutdown,
} from './route-presence.js';

export interface StatusLifecycle {
  status: LifecycleStatus;
  /** YYYY-MM-DD, when known. */
  released: string | null;
  /** The earliest shutdown known (the catalog's or one an upstream announced), YYYY-MM-DD. */
  shutdown: string | null;
  /** Whole days until the shutdown; null without one, or once it has passed. */
  daysLeft: number | null;
  /** Where the shutdown date came from; null without one. */
  shutdownSource: 'catalog' | 'upstream' | null;
  /** The channels whose model list announced the shutdown date (shutdownSource `upstream`). */
  announcedBy: string[];
  /** The first successor that still lives (for a live model: else the catalog's); null without one. */
  successor: string | null;
  /** Who answers a request for this id today: itself, its successor once retired, or null (refused). */
  servedBy: string | null;
  /** One line: "retired 2026-06-25, served by gemini-3.1-flash-image". */
  summary: string;
}

export interface StatusGoneRoute {
  channel: string;
  /** The id the channel called upstream. */
  upstreamId: string;
  reason: GoneReason;
  source: PresenceSource;
  /** ISO timestamp of the first observation. */
  since: string;
  /** "retired upstream" (not listed) or "model not found upstream" (NOT_FOUND). */
  label: string;
  /** "not listed by openai-main since 2026-12-01". */
  summary: string;
  /** What was seen, as the presence store recorded it. */
  detail: string;
}

function earliest(dates: ReadonlyArray<string | null>): string | null {
  return dates.reduce<string | null>(
    (first, date) => (date !== null && (first === null || date < first) ? date : first),
    null,
  );
}

function listedTogether(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * Lifecycles on the lifecycle service's "today", with the shutdown dates the upstreams' model lists
 * announced (the route presence view) folded in, so the page agrees with the sync that saw them.
 */
export class StatusLifecycles {
  private readonly today: string;
  private readonly announcements: readonly UpstreamShutdown[];

  constructor(
    private readonly lifecycle: ModelLifecycle,
    presence: RoutePresenceView,
  ) {
    this.today = lifecycle.today();
    this.announcements = presence.announcedShutdowns();
  }

  /** The lifecycle routing sees, with an earlier date an upstream's list announced taking over. */
  private lifecycleOf(model: CatalogModel): Lifecycle {
    const known = this.lifecycle.lifecycle(model);
    const listed = this.announcements
      .filter((announcement) => announcement.modelId === model.id)
      .map((announcement) => announcement.shutdown);
    return lifecycleOf(
      model,
      this.today,
      earliest([...listed, known.announcedUpstream ? known.shutdown : null]),
    );
  }

  private liveSuccessor(model: CatalogModel): CatalogModel | undefined {
    return this.lifecycle.catalog
      .successorsOf(model)
      .find((next) => this.lifecycleOf(next).status !== 'retired');
  }

  of(model: CatalogModel): StatusLifecycle {
    const lifecycle = this.lifecycleOf(model);
    const live = this.liveSuccessor(model);
    const retired = lifecycle.status === 'retired';
    const successor = live?.id ?? (retired ? null : model.successor);
    const servedBy = retired
      ? this.lifecycle.policy === 'successor' && live
        ? live.id
        : null
      : lifecycle.status === 'disabled'
        ? null
        : model.id;
    const announcedBy = lifecycle.announcedUpstream
      ? [
          ...new Set(
            this.announcements
              .filter((entry) => entry.modelId === model.id && entry.shutdown === lifecycle.shutdown)
              .map((entry) => entry.channel),
          ),
        ]
      : [];
    const partial = {
      status: lifecycle.status,
      released: model.released,
      shutdown: lifecycle.shutdown,
      daysLeft: lifecycle.daysLeft !== null && lifecycle.daysLeft > 0 ? lifecycle.daysLeft : null,
      shutdownSource:
        lifecycle.shutdown === null ? null : lifecycle.announcedUpstream ? 'upstream' : 'catalog',
      announcedBy,
      successor,
      servedBy,
    } satisfies Omit<StatusLifecycle, 'summary'>;
    return { ...partial, summary: lifecycleSummary(lifecycle, partial) };
  }
}

/** What a request for a retired id gets: "served by X", "refused; use X" or no successor at all. */
export function retiredAnswer(view: Pick<StatusLifecycle, 'servedBy' | 'successor'>): string {
  if (view.servedBy !== null) return `served by ${view.servedBy}`;
  return view.successor ? `refused; use ${view.successor}` : 'refused; nothing succeeds it';
}

function lifecycleSummary(lifecycle: Lifecycle, view: Omit<StatusLifecycle, 'summary'>): string {
  const base = describeLifecycle(lifecycle);
  if (view.status === 'retired') return `${base}, ${retiredAnswer(view)}`;
  if (view.status === 'deprecated') {
    let text = view.shutdown === null ? `${base}, no shutdown date announced` : base;
    if (view.shutdownSource === 'upstream') {
      text +=
        view.announcedBy.length > 0
          ? `, announced in the model list of ${listedTogether(view.announcedBy)}`
          : `, announced in an upstream's model list`;
    }
    return view.successor ? `${text}; successor ${view.successor}` : text;
  }
  return view.released ? `${base}, released ${view.released}` : base;
}

/** A gone route as the status shows it. */
export function describeGoneRoute(route: GoneRoute): StatusGoneRoute {
  const since = route.since.slice(0, 10);
  const notListed = route.reason === 'not_listed';
  return {
    channel: route.channel,
    upstreamId: route.upstreamId,
    reason: route.reason,
    source: route.source,
    since: route.since,
    label: notListed ? 'retired upstream' : 'model not found upstream',
    summary: notListed
      ? `not listed by ${route.channel} since ${since}`
      : `${route.channel} answers not found for ${route.upstreamId} since ${since}`,
    detail: route.detail,
  };
}
