// Reads recent live traffic from the request log, one light row per request, for health verdicts.

import type { Kysely } from 'kysely';
import type { DatabaseSchema, Door } from './schema.js';

/**
 * Live health reads at most this many of the newest requests: enough for a success rate and a p95,
 * and a bounded cost per status refresh on the main thread (better-sqlite3 is synchronous). With
 * 100k rows in the window, 50,000 rows cost 0.6-1.1 s per refresh on the 2-core machine under load;
 * 5,000 rows cost a tenth of that.
 */
export const liveTrafficRows = 5000;

export interface TrafficRow {
  model: string;
  channel: string | null;
  door: Door;
  status: number;
  errorClass: string | null;
  latencyMs: number;
}

/**
 * The newest requests since `since` (at most `limit`, default liveTrafficRows), leaving out the ones
 * made with `excludeKeyId` (retests).
 */
export async function recentTraffic(
  db: Kysely<DatabaseSchema>,
  options: { since: number; excludeKeyId?: string; limit?: number },
): Promise<TrafficRow[]> {
  let query = db
    .selectFrom('request_log')
    .select(['model', 'channel', 'door', 'status', 'error_class', 'latency_ms'])
    .where('created_at', '>=', options.since);
  const excluded = options.excludeKeyId;
  if (excluded !== undefined) {
    query = query.where((expression) =>
      expression.or([expression('key_id', 'is', null), expression('key_id', '!=', excluded)]),
    );
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .limit(options.limit ?? liveTrafficRows)
    .execute();
  return rows.map((row) => ({
    model: row.model,
    channel: row.channel,
    door: row.door,
    status: Number(row.status),
    errorClass: row.error_class,
    latencyMs: Number(row.latency_ms),
  }));
}

/** One request log row by id (the retest runner reads its own request's usage and charge). */
export async function requestLogEntry(db: Kysely<DatabaseSchema>, id: string) {
  return db
    .selectFrom('request_log')
    .select([
      'status',
      'error_class',
      'charged_micros',
      'prompt_tokens',
      'candidates_tokens',
      'total_tokens',
      'output_image_tokens',
      'channel',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}
