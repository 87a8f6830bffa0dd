// Stored route presence: what each channel's upstream lists (written by a model sync) and the routes
// marked gone (not listed by a sync, NOT_FOUND from a live call or retest), shared by every process.

import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

type Database = Kysely<DatabaseSchema>;

export interface ListedUpstreamModel {
  upstreamId: string;
  /** YYYY-MM-DD, or null when the upstream announced none. */
  shutdown: string | null;
}

export interface StoredUpstreamModel extends ListedUpstreamModel {
  channel: string;
  firstSeen: number;
  lastSeen: number;
  /** Whether the channel's newest sync listed it. */
  listed: boolean;
}

export interface StoredGoneRoute {
  channel: string;
  model: string;
  upstreamId: string;
  reason: string;
  source: string;
  since: number;
  detail: string;
  updatedAt: number;
}

/** Rows per insert: well under SQLite's bound on parameters, and few round trips on PostgreSQL. */
const rowsPerInsert = 200;

/**
 * Records one sync's list for a channel: listed ids are upserted (their first sighting kept), ids the
 * channel listed before and not now stay with `listed` 0 and their last sighting, so a shutdown date
 * they carried is not forgotten.
 */
export async function recordUpstreamListing(
  db: Database,
  channel: string,
  models: readonly ListedUpstreamModel[],
  seenAt: number,
): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    await transaction
      .updateTable('upstream_models')
      .set({ listed: 0 })
      .where('channel', '=', channel)
      .execute();
    for (let start = 0; start < models.length; start += rowsPerInsert) {
      const rows = models.slice(start, start + rowsPerInsert).map((model) => ({
        channel,
        upstream_id: model.upstreamId,
        shutdown_date: model.shutdown,
        first_seen: seenAt,
        last_seen: seenAt,
        listed: 1,
      }));
      await transaction
        .insertInto('upstream_models')
        .values(rows)
        .onConflict((conflict) =>
          conflict.columns(['channel', 'upstream_id']).doUpdateSet((expression) => ({
            shutdown_date: expression.ref('excluded.shutdown_date'),
            last_seen: expression.ref('excluded.last_seen'),
            listed: 1,
          })),
        )
        .execute();
    }
  });
}

export async function listUpstreamModels(db: Database): Promise<StoredUpstreamModel[]> {
  const rows = await db.selectFrom('upstream_models').selectAll().execute();
  return rows.map((row) => ({
    channel: row.channel,
    upstreamId: row.upstream_id,
    shutdown: row.shutdown_date,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    listed: Number(row.listed) === 1,
  }));
}

/** Marks a route gone; a route already gone keeps its `since` and takes the newer reason and detail. */
export async function markRouteGone(db: Database, route: Omit<StoredGoneRoute, 'updatedAt'>): Promise<void> {
  await db
    .insertInto('route_gone')
    .values({
      channel: route.channel,
      model: route.model,
      upstream_id: route.upstreamId,
      reason: route.reason,
      source: route.source,
      since: route.since,
      detail: route.detail,
      updated_at: route.since,
    })
    .onConflict((conflict) =>
      conflict.columns(['channel', 'model']).doUpdateSet((expression) => ({
        upstream_id: expression.ref('excluded.upstream_id'),
        reason: expression.ref('excluded.reason'),
        source: expression.ref('excluded.source'),
        detail: expression.ref('excluded.detail'),
        updated_at: expression.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Clears the route's gone mark when its reason is one of `reasons`; returns the reason cleared. */
export async function clearRouteGone(
  db: Database,
  channel: string,
  model: string,
  reasons: readonly string[],
): Promise<string | undefined> {
  if (reasons.length === 0) return undefined;
  const cleared = await db
    .deleteFrom('route_gone')
    .where('channel', '=', channel)
    .where('model', '=', model)
    .where('reason', 'in', [...reasons])
    .returning('reason')
    .execute();
  return cleared[0]?.reason;
}

export async function listGoneRoutes(db: Database): Promise<StoredGoneRoute[]> {
  const rows = await db.selectFrom('route_gone').selectAll().orderBy('since').execute();
  return rows.map((row) => ({
    channel: row.channel,
    model: row.model,
    upstreamId: row.upstream_id,
    reason: row.reason,
    source: row.source,
    since: Number(row.since),
    detail: row.detail,
    updatedAt: Number(row.updated_at),
  }));
}
