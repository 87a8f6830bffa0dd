// Usage totals from the request log, grouped by client key and model: what `imagegate usage`
// and the admin export show.

import { type Kysely, sql } from 'kysely';
import { toEpoch } from './request-log.js';
import type { DatabaseSchema } from './schema.js';

export interface UsageSummaryQuery {
  keyId?: string;
  /** Epoch milliseconds or a Date; requests at or after this time. */
  since?: number | Date;
  /** Epoch milliseconds or a Date; requests before this time. */
  until?: number | Date;
}

export interface UsageSummaryRow {
  keyId: string | null;
  /** Null for requests without a key or whose key was deleted. */
  keyName: string | null;
  model: string;
  requests: number;
  /** Requests that ended with HTTP status 400 or above. */
  failedRequests: number;
  imagesOut: number;
  promptTokens: number;
  candidatesTokens: number;
  thoughtsTokens: number;
  totalTokens: number;
  inputImageTokens: number;
  outputImageTokens: number;
  chargedMicros: number;
}

type NumericColumn =
  | 'images_out'
  | 'prompt_tokens'
  | 'candidates_tokens'
  | 'thoughts_tokens'
  | 'total_tokens'
  | 'input_image_tokens'
  | 'output_image_tokens'
  | 'charged_micros';

export async function usageSummary(
  db: Kysely<DatabaseSchema>,
  query: UsageSummaryQuery = {},
): Promise<UsageSummaryRow[]> {
  // SUM over bigint is numeric on PostgreSQL; casting back keeps both dialects integer.
  const total = (column: NumericColumn) =>
    sql<number>`cast(coalesce(sum(${sql.ref(`request_log.${column}`)}), 0) as bigint)`;
  let select = db
    .selectFrom('request_log')
    .leftJoin('client_keys', 'client_keys.id', 'request_log.key_id')
    .select([
      'request_log.key_id as key_id',
      'client_keys.name as key_name',
      'request_log.model as model',
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(case when request_log.status >= 400 then 1 else 0 end)`.as('failed_requests'),
      total('images_out').as('images_out'),
      total('prompt_tokens').as('prompt_tokens'),
      total('candidates_tokens').as('candidates_tokens'),
      total('thoughts_tokens').as('thoughts_tokens'),
      total('total_tokens').as('total_tokens'),
      total('input_image_tokens').as('input_image_tokens'),
      total('output_image_tokens').as('output_image_tokens'),
      total('charged_micros').as('charged_micros'),
    ])
    .groupBy(['request_log.key_id', 'client_keys.name', 'request_log.model']);
  if (query.keyId !== undefined) select = select.where('request_log.key_id', '=', query.keyId);
  if (query.since !== undefined) select = select.where('request_log.created_at', '>=', toEpoch(query.since));
  if (query.until !== undefined) select = select.where('request_log.created_at', '<', toEpoch(query.until));
  const rows = await select.orderBy('client_keys.name').orderBy('request_log.model').execute();
  return rows.map((row) => ({
    keyId: row.key_id,
    keyName: row.key_name,
    model: row.model,
    requests: Number(row.requests),
    failedRequests: Number(row.failed_requests),
    imagesOut: Number(row.images_out),
    promptTokens: Number(row.prompt_tokens),
    candidatesTokens: Number(row.candidates_tokens),
    thoughtsTokens: Number(row.thoughts_tokens),
    totalTokens: Number(row.total_tokens),
    inputImageTokens: Number(row.input_image_tokens),
    outputImageTokens: Number(row.output_image_tokens),
    chargedMicros: Number(row.charged_micros),
  }));
}
