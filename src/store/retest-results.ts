// Stored retest results: insert one, read the recent ones per route for health and the status page,
// and fetch a thumbnail by result id.

import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, Door, RetestResultsTable } from './schema.js';

type Database = Kysely<DatabaseSchema>;

/** The fields a retest result has both when written and when read back. */
interface RetestFields {
  id: string;
  createdAt: number;
  model: string;
  channel: string;
  door: Door;
  outcome: string;
  errorClass: string | null;
  latencyMs: number | null;
  /** Parsed JSON of the usage columns written by the runner. */
  usage: Record<string, unknown> | null;
  billedMicros: number | null;
  expectedMicros: number | null;
  details: Record<string, unknown>;
}

/** A stored result; thumbnails are fetched separately, so only their presence is listed. */
export interface StoredRetest extends RetestFields {
  hasInputThumb: boolean;
  hasOutputThumb: boolean;
}

export interface NewRetestRow extends RetestFields {
  inputThumb: Buffer | null;
  outputThumb: Buffer | null;
}

export async function insertRetestResult(db: Database, row: NewRetestRow): Promise<void> {
  await db
    .insertInto('retest_results')
    .values({
      id: row.id,
      created_at: row.createdAt,
      model: row.model,
      channel: row.channel,
      door: row.door,
      outcome: row.outcome,
      error_class: row.errorClass,
      latency_ms: row.latencyMs === null ? null : Math.round(row.latencyMs),
      usage: row.usage === null ? null : JSON.stringify(row.usage),
      billed_micros: row.billedMicros,
      expected_micros: row.expectedMicros,
      input_thumb: row.inputThumb,
      output_thumb: row.outputThumb,
      details: JSON.stringify(row.details),
    })
    .execute();
}

/** Newest first, at most `perRoute` results for each (model, channel, door), since `since`. */
export async function recentRetests(
  db: Database,
  options: { since: number; perRoute: number; limit?: number },
): Promise<StoredRetest[]> {
  const rows = await db
    .selectFrom('retest_results')
    .select([
      'id',
      'created_at',
      'model',
      'channel',
      'door',
      'outcome',
      'error_class',
      'latency_ms',
      'usage',
      'billed_micros',
      'expected_micros',
      'details',
    ])
    .select((expression) => [
      expression.eb('input_thumb', 'is not', null).as('has_input_thumb'),
      expression.eb('output_thumb', 'is not', null).as('has_output_thumb'),
    ])
    .where('created_at', '>=', options.since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 20_000)
    .execute();
  const perRoute = new Map<string, number>();
  const kept: StoredRetest[] = [];
  for (const row of rows) {
    const key = `${row.model}\u0000${row.channel}\u0000${row.door}`;
    const count = perRoute.get(key) ?? 0;
    if (count >= options.perRoute) continue;
    perRoute.set(key, count + 1);
    kept.push({
      id: row.id,
      createdAt: Number(row.created_at),
      model: row.model,
      channel: row.channel,
      door: row.door,
      outcome: row.outcome,
      errorClass: row.error_class,
      latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
      usage: parseObject(row.usage),
      billedMicros: row.billed_micros === null ? null : Number(row.billed_micros),
      expectedMicros: row.expected_micros === null ? null : Number(row.expected_micros),
      hasInputThumb: Boolean(Number(row.has_input_thumb)) || row.has_input_thumb === true,
      hasOutputThumb: Boolean(Number(row.has_output_thumb)) || row.has_output_thumb === true,
      details: parseObject(row.details) ?? {},
    });
  }
  return kept;
}

export async function retestThumbnail(
  db: Database,
  id: string,
  which: 'input' | 'output',
): Promise<Buffer | undefined> {
  const row: Pick<Selectable<RetestResultsTable>, 'input_thumb' | 'output_thumb'> | undefined = await db
    .selectFrom('retest_results')
    .select(['input_thumb', 'output_thumb'])
    .where('id', '=', id)
    .executeTakeFirst();
  const thumb = which === 'input' ? row?.input_thumb : row?.output_thumb;
  return thumb ? Buffer.from(thumb) : undefined;
}

function parseObject(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A retest outcome that judged the answer's image (not an error, timeout or missing door). */
export const imageVerdictOutcomes = ['pass', 'semantic_fail', 'no_image'] as const;

export interface RetestVerdictRow {
  model: string;
  channel: string;
  door: Door;
  outcome: (typeof imageVerdictOutcomes)[number];
  createdAt: number;
}

/** The newest image verdict of each (model, channel, door) since `since`. */
export async function latestRetestVerdicts(
  db: Database,
  options: { since: number; limit?: number },
): Promise<RetestVerdictRow[]> {
  const rows = await db
    .selectFrom('retest_results')
    .select(['model', 'channel', 'door', 'outcome', 'created_at'])
    .where('outcome', 'in', [...imageVerdictOutcomes])
    .where('created_at', '>=', options.since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 20_000)
    .execute();
  const seen = new Set<string>();
  const latest: RetestVerdictRow[] = [];
  for (const row of rows) {
    const key = `${row.model}\u0000${row.channel}\u0000${row.door}`;
    if (seen.has(key)) continue;
    seen.add(key);
    latest.push({
      model: row.model,
      channel: row.channel,
      door: row.door,
      outcome: row.outcome as RetestVerdictRow['outcome'],
      createdAt: Number(row.created_at),
    });
  }
  return latest;
}
