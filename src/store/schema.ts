// Row types of every table, as Kysely sees them. Column names match the SQL (snake_case).
// Conventions: times are epoch milliseconds (bigint), money is integer micro-USD (bigint),
// flags are integers 0/1 (SQLite has no boolean), JSON is stored as text.

import type { Generated } from 'kysely';

/** 0 or 1; SQLite cannot bind JavaScript booleans, so both dialects use integers. */
export type Flag = number;

/** Which client protocol a request came through. */
export type Door =
  | 'gemini'
  | 'gemini-interactions'
  | 'gemini-predict'
  | 'openai-images'
  | 'openai-chat'
  | 'openai-responses';

/** A door that keeps conversations: each answered turn may be stored and continued from. */
export type ConversationDoor = 'openai-responses' | 'gemini-interactions';

export type LedgerKind = 'hold' | 'settle' | 'release' | 'refund';

export type HoldState = 'open' | 'settled' | 'released';

export interface ClientKeysTable {
  id: string;
  name: string;
  /** SHA-256 of the key, lowercase hex. The key itself is never stored. */
  key_hash: string;
  /** First 8 characters of the key, shown in listings so people can tell keys apart. */
  key_prefix: string;
  /** JSON array of allowed public model ids; null means every model. */
  models: string | null;
  spend_limit_micros: number | null;
  spent_micros: Generated<number>;
  /** Sum of this key's open holds; admission checks spent + reserved + hold <= spend limit. */
  reserved_micros: Generated<number>;
  /** 1 when the key opted in to models with status `controlled`. */
  controlled: Generated<Flag>;
  requests_per_minute: number | null;
  images_per_minute: number | null;
  concurrency_limit: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface RequestLogTable {
  /** The gateway's request id. */
  id: string;
  created_at: number;
  key_id: string | null;
  door: Door;
  model: string;
  /** Channel that produced the final answer (or the last one tried). */
  channel: string | null;
  status: number;
  error_class: string | null;
  latency_ms: number;
  attempts: number;
  prompt_tokens: number | null;
  candidates_tokens: number | null;
  thoughts_tokens: number | null;
  total_tokens: number | null;
  input_image_tokens: number | null;
  output_image_tokens: number | null;
  images_out: number;
  charged_micros: number;
  stream: Flag;
  /** The client's own `x-request-id`, if it sent one (unique per key: ClientRequestIdsTable). */
  client_request_id: string | null;
}

/** One row per client-supplied request id and key, written before the upstream call. */
export interface ClientRequestIdsTable {
  key_id: string;
  client_request_id: string;
  /** The gateway's id of the HTTP request that claimed it (its sub-calls share the claim). */
  request_id: string;
  created_at: number;
}

export interface RequestAttemptsTable {
  request_id: string;
  attempt_no: number;
  created_at: number;
  channel: string;
  /** Short, non-reversible fingerprint of the upstream API key used. */
  key_fingerprint: string | null;
  /** 'ok' or an error class. */
  outcome: string;
  http_status: number | null;
  latency_ms: number;
}

export interface LedgerTable {
  id: string;
  request_id: string;
  key_id: string | null;
  kind: LedgerKind;
  amount_micros: number;
  created_at: number;
}

export interface HoldsTable {
  request_id: string;
  key_id: string | null;
  amount_micros: number;
  created_at: number;
  state: HoldState;
  /** Time of the settle or release that closed the hold. */
  closed_at: number | null;
  /** Door, model and stream flag of the request, so crash recovery can write its log row. */
  door: Door | null;
  model: string | null;
  stream: Flag | null;
  /** The process that placed it (`host:pid:nonce`, see src/billing/hold-owner.ts); null on old rows. */
  owner: string | null;
}

export interface BillingEvidenceTable {
  id: string;
  created_at: number;
  request_id: string;
  model: string;
  channel: string;
  /** What drifted: 'output_image_tokens' | 'charge_mismatch' | 'missing_usage'. */
  kind: string;
  charged_micros: number;
  /** Cost computed from the upstream's usageMetadata. */
  computed_micros: number | null;
  /** Cost the catalog expects for what was delivered. */
  expected_micros: number | null;
  reported_tokens: number | null;
  expected_tokens: number | null;
  /** |reported − expected| / expected in parts per million. */
  drift_ppm: number | null;
  /** JSON with the usage and anything else worth showing. */
  details: string | null;
}

export interface RetestResultsTable {
  id: string;
  created_at: number;
  model: string;
  channel: string;
  door: Door;
  /** 'pass' | 'fail' | 'error' (the health module owns the vocabulary). */
  outcome: string;
  error_class: string | null;
  latency_ms: number | null;
  /** JSON of the upstream usageMetadata. */
  usage: string | null;
  billed_micros: number | null;
  expected_micros: number | null;
  input_thumb: Buffer | null;
  output_thumb: Buffer | null;
  /** JSON with the pixel-check evidence and anything else worth showing. */
  details: string | null;
}

export interface ChannelStateTable {
  channel: string;
  model: string;
  /** Empty string when the state is for the channel as a whole rather than one upstream key. */
  key_fingerprint: string;
  circuit: Generated<'closed' | 'open' | 'half_open'>;
  consecutive_failures: Generated<number>;
  last_error_class: string | null;
  last_error_at: number | null;
  last_success_at: number | null;
  opened_at: number | null;
  updated_at: number;
}

/** One model id a channel's upstream listed, as the newest `imagegate models sync` saw it. */
export interface UpstreamModelsTable {
  channel: string;
  /** The id as the upstream names it (Gemini's `models/` prefix removed). */
  upstream_id: string;
  /** YYYY-MM-DD the upstream announced it shuts down (OpenAI `shutdown_date`), or null. */
  shutdown_date: string | null;
  first_seen: number;
  last_seen: number;
  /** 1 while the newest sync of the channel listed it; 0 once a sync no longer did. */
  listed: Flag;
}

/** A route (channel, model) whose upstream no longer has the model; routing skips it. */
export interface RouteGoneTable {
  channel: string;
  model: string;
  upstream_id: string;
  /** 'not_listed' (a sync) or 'not_found' (a live call or retest): src/health/route-presence.ts. */
  reason: string;
  /** 'sync' | 'live' | 'retest'. */
  source: string;
  /** When the route was first seen gone; kept while later observations update the rest. */
  since: number;
  /** What was seen, in the gateway's own words. */
  detail: string;
  updated_at: number;
}

/** One answered turn of a stored conversation; (door, id) is unique. */
export interface ConversationTurnsTable {
  door: ConversationDoor;
  /** The door's id of the turn (`resp_…`, an interaction id). */
  id: string;
  /** The client key that made it; only that key reads, continues or deletes it. */
  key_id: string;
  /** The turn it continues, or null for the first turn. */
  previous_id: string | null;
  /** The served catalog model id. */
  model: string;
  created_at: number;
  /** Unreadable from this time on; the purge deletes it. */
  expires_at: number;
  /** JSON: the turn's input as canonical Content[] (the door writes and reads it). */
  input: string;
  /** JSON: the door's object as answered (the door writes and reads it). */
  body: string;
}

export interface DatabaseSchema {
  client_keys: ClientKeysTable;
  request_log: RequestLogTable;
  request_attempts: RequestAttemptsTable;
  ledger: LedgerTable;
  holds: HoldsTable;
  retest_results: RetestResultsTable;
  channel_state: ChannelStateTable;
  billing_evidence: BillingEvidenceTable;
  client_request_ids: ClientRequestIdsTable;
  upstream_models: UpstreamModelsTable;
  route_gone: RouteGoneTable;
  conversation_turns: ConversationTurnsTable;
}
