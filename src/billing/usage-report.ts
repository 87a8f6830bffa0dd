// Usage and ledger read-outs shared by `imagegate usage` and the admin API: rows, CSV, and the
// `--since` forms people type (ISO date, epoch ms, or a relative age like 24h / 7d).
import type { Kysely } from 'kysely';
import { type DatabaseSchema, getClientKey, type UsageSummaryRow, usageSummary } from '../store/index.js';

type Database = Kysely<DatabaseSchema>;

const relativePattern = /^(\d+)\s*(m|h|d|w)$/i;
const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Epoch ms for `2026-04-01`, `2026-04-01T12:00:00Z`, `1712000000000` or `24h`; undefined if unreadable. */
export function parseSince(text: string, now: number = Date.now()): number | undefined {
  const trimmed = text.trim();
  const relative = relativePattern.exec(trimmed);
  if (relative) return now - Number(relative[1]) * unitMs[relative[2].toLowerCase()];
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  const parsed = Date.parse(trimmed);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export interface UsageReportRow extends UsageSummaryRow {
  chargedUsd: string;
}

export class UnknownKeyError extends Error {}

/** Usage grouped by key and model; `key` is a key id or name. */
export async function usageReport(
  db: Database,
  query: { key?: string; since?: number },
): Promise<UsageReportRow[]> {
  let keyId: string | undefined;
  if (query.key !== undefined) {
    const record = await getClientKey(db, query.key);
    if (!record) throw new UnknownKeyError(`no client key with id or name "${query.key}"`);
    keyId = record.id;
  }
  const rows = await usageSummary(db, { keyId, since: query.since });
  return rows.map((row) => ({ ...row, chargedUsd: microsToUsd(row.chargedMicros) }));
}

/** Exact decimal USD for integer micro-USD (no floating point): 38700 → "0.038700". */
export function microsToUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  return `${sign}${Math.floor(absolute / 1_000_000)}.${String(absolute % 1_000_000).padStart(6, '0')}`;
}

export const usageColumns = [
  'keyName',
  'keyId',
  'model',
  'requests',
  'failedRequests',
  'imagesOut',
  'promptTokens',
  'inputImageTokens',
  'candidatesTokens',
  'outputImageTokens',
  'thoughtsTokens',
  'chargedMicros',
  'chargedUsd',
] as const;

/** RFC 4180 CSV with a header row. */
export function toCsv<Row>(rows: readonly Row[], columns: ReadonlyArray<keyof Row & string>): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => cell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export interface LedgerEntryView {
  id: string;
  requestId: string;
  keyId: string | null;
  kind: string;
  amountMicros: number;
  createdAt: string;
}

/** Ledger rows, newest first, for one key and/or request. */
export async function ledgerEntries(
  db: Database,
  query: { keyId?: string; requestId?: string; limit?: number },
): Promise<LedgerEntryView[]> {
  let select = db.selectFrom('ledger').selectAll();
  if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
  if (query.requestId !== undefined) select = select.where('request_id', '=', query.requestId);
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(query.limit ?? 500)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    requestId: row.request_id,
    keyId: row.key_id,
    kind: row.kind,
    amountMicros: Number(row.amount_micros),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  }));
}
