// The per-request log: a batching writer that keeps the database off the request hot path,
// a direct insert for callers that need durability now, and the queries behind `imagegate usage`.

import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { DatabaseSchema, Door, RequestAttemptsTable, RequestLogTable } from './schema.js';

type Database = Kysely<DatabaseSchema>;

export interface RequestAttemptEntry {
  attemptNo: number;
  /** Epoch milliseconds; defaults to the request's createdAt. */
  createdAt?: number;
  channel: string;
  keyFingerprint?: string | null;
  /** 'ok' or an error class. */
  outcome: string;
  httpStatus?: number | null;
  latencyMs: number;
}

export interface RequestLogEntry {
  /** The gateway's request id. */
  id: string;
  /** Epoch milliseconds. */
  createdAt: number;
  keyId: string | null;
  door: Door;
  model: string;
  channel: string | null;
  status: number;
  errorClass: string | null;
  latencyMs: number;
  attempts: number;
  promptTokens?: number | null;
  candidatesTokens?: number | null;
  thoughtsTokens?: number | null;
  totalTokens?: number | null;
  inputImageTokens?: number | null;
  outputImageTokens?: number | null;
  imagesOut: number;
  chargedMicros: number;
  stream: boolean;
  /** The client's own `x-request-id`, if it sent one. */
  clientRequestId?: string | null;
  /** Written to request_attempts in the same transaction as the log row. */
  attemptDetails?: RequestAttemptEntry[];
}

export type RequestLogRow = Required<Omit<RequestLogEntry, 'attemptDetails'>>;

export interface RequestLogWriterOptions {
  /** Rows per transaction; a full batch is written at once. Default 100. */
  batchSize?: number;
  /** How long a partial batch may wait. Default 50 ms. */
  flushIntervalMs?: number;
  /** Rows kept in memory while the database is slow; beyond this new rows are dropped. Default 50,000. */
  maxQueued?: number;
  /** Called when rows could not be written (database error, full queue, writer closed). */
  onError?: (error: unknown, lostRows: number) => void;
}

/** Queues log rows and writes them in small batches, one transaction per batch. */
export class RequestLogWriter {
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueued: number;
  private readonly onError: (error: unknown, lostRows: number) => void;
  private queue: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;
  private droppedRows = 0;

  constructor(
    private readonly db: Database,
    options: RequestLogWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxQueued = options.maxQueued ?? 50_000;
    this.onError = options.onError ?? reportToStderr;
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Rows lost so far (see onError). */
  get dropped(): number {
    return this.droppedRows;
  }

  /** Queues a row and returns at once; never throws and never waits on the database. */
  record(entry: RequestLogEntry): void {
    if (this.closed || this.queue.length >= this.maxQueued) {
      this.lose(new Error(this.closed ? 'request log writer is closed' : 'request log queue is full'), 1);
      return;
    }
    this.queue.push(entry);
    this.schedule();
  }

  /** Resolves once every row recorded before the call has been written (or reported lost). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) {
      await this.startDraining();
    }
  }

  /** Writes what is queued and refuses further rows. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private startDraining(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // Rows recorded after the drain's last look at the queue would otherwise wait for the next record().
      if (this.queue.length > 0) this.schedule();
    });
    return this.draining;
  }

  private schedule(): void {
    if (this.queue.length >= this.batchSize) void this.startDraining();
    else this.timer ??= setTimeout(() => this.startDraining(), this.flushIntervalMs).unref();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await this.db.transaction().execute((transaction) => insertEntries(transaction, batch));
      } catch (error) {
        this.lose(error, batch.length);
      }
    }
  }

  private lose(error: unknown, rows: number): void {
    this.droppedRows += rows;
    try {
      this.onError(error, rows);
    } catch {
      // A failing error handler must not take the request path down with it.
    }
  }
}

function reportToStderr(error: unknown, lostRows: number): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`imagegate: ${lostRows} request log row(s) not written: ${message}\n`);
}

/** Writes one row (and its attempts) now, in its own transaction. */
export async function insertRequestLogNow(db: Database, entry: RequestLogEntry): Promise<void> {
  await db.transaction().execute((transaction) => insertEntries(transaction, [entry]));
}

// Well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters per statement.
const rowsPerStatement = 500;

/**
 * Inserts log rows (a repeated request id is ignored) and their attempts inside a caller's
 * transaction (billing writes the log row with its settle); returns the ids of the rows inserted.
 */
export async function insertEntries(
  transaction: Transaction<DatabaseSchema>,
  entries: RequestLogEntry[],
): Promise<Set<string>> {
  const logRows = entries.map(toLogColumns);
  const attemptRows = entries.flatMap(toAttemptColumns);
  const inserted = new Set<string>();
  for (let start = 0; start < logRows.length; start += rowsPerStatement) {
    const rows = await transaction
      .insertInto('request_log')
      .values(logRows.slice(start, start + rowsPerStatement))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id')
      .execute();
    for (const row of rows) inserted.add(row.id);
  }
  for (let start = 0; start < attemptRows.length; start += rowsPerStatement) {
    await transaction
      .insertInto('request_attempts')
      .values(attemptRows.slice(start, start + rowsPerStatement))
      .onConflict((conflict) => conflict.columns(['request_id', 'attempt_no']).doNothing())
      .execute();
  }
  return inserted;
}

function toLogColumns(entry: RequestLogEntry): Insertable<RequestLogTable> {
  return {
    id: entry.id,
    created_at: entry.createdAt,
    key_id: entry.keyId,
    door: entry.door,
    model: entry.model,
    channel: entry.channel,
    status: entry.status,
    error_class: entry.errorClass,
    latency_ms: Math.round(entry.latencyMs),
    attempts: entry.attempts,
    prompt_tokens: entry.promptTokens ?? null,
    candidates_tokens: entry.candidatesTokens ?? null,
    thoughts_tokens: entry.thoughtsTokens ?? null,
    total_tokens: entry.totalTokens ?? null,
    input_image_tokens: entry.inputImageTokens ?? null,
    output_image_tokens: entry.outputImageTokens ?? null,
    images_out: entry.imagesOut,
    charged_micros: entry.chargedMicros,
    stream: entry.stream ? 1 : 0,
    client_request_id: entry.clientRequestId ?? null,
  };
}

function toAttemptColumns(entry: RequestLogEntry): Insertable<RequestAttemptsTable>[] {
  return (entry.attemptDetails ?? []).map((attempt) => ({
    request_id: entry.id,
    attempt_no: attempt.attemptNo,
    created_at: attempt.createdAt ?? entry.createdAt,
    channel: attempt.channel,
    key_fingerprint: attempt.keyFingerprint ?? null,
    outcome: attempt.outcome,
    http_status: attempt.httpStatus ?? null,
    latency_ms: Math.round(attempt.latencyMs),
  }));
}

export interface RequestLogQuery {
  keyId?: string;
  model?: string;
  /** Epoch milliseconds or a Date; rows at or after this time. */
  since?: number | Date;
  /** Default 100. */
  limit?: number;
}

/** Newest first. */
export async function queryRequestLog(db: Database, query: RequestLogQuery = {}): Promise<RequestLogRow[]> {
  let select = db.selectFrom('request_log').selectAll();
  if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
  if (query.model !== undefined) select = select.where('model', '=', query.model);
  if (query.since !== undefined) select = select.where('created_at', '>=', toEpoch(query.since));
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit ?? 100)
    .execute();
  return rows.map(toRow);
}

function toRow(row: Selectable<RequestLogTable>): RequestLogRow {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    keyId: row.key_id,
    door: row.door,
    model: row.model,
    channel: row.channel,
    status: row.status,
    errorClass: row.error_class,
    latencyMs: row.latency_ms,
    attempts: row.attempts,
    promptTokens: nullableNumber(row.prompt_tokens),
    candidatesTokens: nullableNumber(row.candidates_tokens),
    thoughtsTokens: nullableNumber(row.thoughts_tokens),
    totalTokens: nullableNumber(row.total_tokens),
    inputImageTokens: nullableNumber(row.input_image_tokens),
    outputImageTokens: nullableNumber(row.output_image_tokens),
    imagesOut: row.images_out,
    chargedMicros: Number(row.charged_micros),
    stream: Number(row.stream) === 1,
    clientRequestId: row.client_request_id,
  };
}

export function toEpoch(time: number | Date): number {
  return time instanceof Date ? time.getTime() : time;
}

export function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
