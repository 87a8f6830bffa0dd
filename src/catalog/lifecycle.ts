// Where a model stands in its life today: its dates and stated status, and what upstreams announced,
// give one of stable, controlled, deprecated, retired or disabled. Pure: "today" is passed in.
import type { CatalogModel } from './schema.js';

export type LifecycleStatus = 'stable' | 'controlled' | 'deprecated' | 'retired' | 'disabled';

export interface Lifecycle {
  status: LifecycleStatus;
  /** The earliest shutdown known: the catalog's or one an upstream announced. */
  shutdown: string | null;
  /** Whole days from today to the shutdown (negative once past); null without a shutdown. */
  daysLeft: number | null;
  /** True when the shutdown date came from an upstream's own model list, not the catalog. */
  announcedUpstream: boolean;
}

const dayMs = 86_400_000;

/** Today's date in UTC, as YYYY-MM-DD (the form every catalog date takes). */
export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to`, both YYYY-MM-DD. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);
}

/**
 * The model's lifecycle on `today`. `announcedShutdown` is a date an upstream's list gave (OpenAI's
 * `shutdown_date`); the earlier of it and the catalog's date counts.
 */
export function lifecycleOf(
  model: CatalogModel,
  today: string,
  announcedShutdown?: string | null,
): Lifecycle {
  const announced = announcedShutdown ?? null;
  const shutdown =
    model.shutdown !== null && (announced === null || model.shutdown <= announced)
      ? model.shutdown
      : announced;
  const announcedUpstream = shutdown !== null && shutdown !== model.shutdown;
  const daysLeft = shutdown === null ? null : daysBetween(today, shutdown);
  const status: LifecycleStatus =
    model.status === 'disabled'
      ? 'disabled'
      : model.status === 'retired' || (shutdown !== null && shutdown <= today)
        ? 'retired'
        : model.status === 'deprecated' || shutdown !== null
          ? 'deprecated'
          : model.status === 'controlled'
            ? 'controlled'
            : 'stable';
  return { status, shutdown, daysLeft, announcedUpstream };
}

/** "retired 2026-06-25", "deprecated: shuts down 2026-12-01 (25 days left)", or the bare status. */
export function describeLifecycle(lifecycle: Lifecycle): string {
  if (lifecycle.status === 'retired') return lifecycle.shutdown ? `retired ${lifecycle.shutdown}` : 'retired';
  if (lifecycle.status === 'deprecated' && lifecycle.shutdown !== null && lifecycle.daysLeft !== null) {
    const days = lifecycle.daysLeft === 1 ? '1 day' : `${lifecycle.daysLeft} days`;
    return `deprecated: shuts down ${lifecycle.shutdown} (${days} left)`;
  }
  return lifecycle.status;
}
