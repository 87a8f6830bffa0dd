// The typed configuration the rest of the gateway reads, after file, environment and flags are
// merged and checked against the model catalog.
import type { ModelCatalog } from '../catalog/catalog.js';
import type { ServerTimeouts } from '../security/limits.js';

export const providerTypes = [
  'gemini',
  'vertex',
  'gemini-compatible',
  'openai',
  'openai-compatible',
  'local',
] as const;
export type ProviderType = (typeof providerTypes)[number];

/** How a channel sends its API key upstream: `x-goog-api-key` header, `?key=`, or `Authorization: Bearer`. */
export const authStyles = ['header', 'query', 'bearer'] as const;
export type AuthStyle = (typeof authStyles)[number];

/**
 * The upstream API a Gemini channel calls: `generateContent` (models/{m}:generateContent) or
 * `interactions` (POST /v1beta/interactions, where Google launches some models first).
 */
export const channelApis = ['generateContent', 'interactions'] as const;
export type ChannelApi = (typeof channelApis)[number];
/** Providers whose channels may say `api: interactions`. */
export const interactionsProviders: readonly ProviderType[] = ['gemini', 'gemini-compatible'];

export interface VertexChannelConfig {
  project: string;
  location: string;
  /** Service-account JSON file; defaults to GOOGLE_APPLICATION_CREDENTIALS. */
  credentialsFile: string;
  /** OAuth token endpoint override (tests, private clouds); the key file's token_uri otherwise. */
  tokenUrl?: string;
}

/** Integer nano-USD per token (src/catalog/prices.ts converts the published decimals). */
export interface ResponsesModelPricing {
  input: number;
  /** Cached input tokens; the input price when the upstream publishes none. */
  cachedInput: number;
  output: number;
}

/** A text model the channel's upstream serves on `/v1/responses`, relayed as-is (Responses pass-through). */
export interface ResponsesModelConfig {
  id: string;
  pricing: ResponsesModelPricing;
  /** The model's own output limit: the hold of a request that sets no `max_output_tokens`. */
  maxOutputTokens: number;
}

export interface ChannelConfig {
  name: string;
  provider: ProviderType;
  /** Without a trailing slash; undefined only for `local`. */
  baseUrl?: string;
  apiKeys: string[];
  authStyle: AuthStyle;
  /** The upstream API the channel calls (`generateContent` unless the file says otherwise). */
  api: ChannelApi;
  /** Canonical public model ids (aliases in the file are resolved). */
  models: string[];
  /** Public id → upstream model name; a model not in the map is called by its public id. */
  modelMap: Record<string, string>;
  /** Higher first. */
  priority: number;
  /** Share of traffic inside a priority. */
  weight: number;
  /** Per attempt. */
  timeoutMs: number;
  pinForRetest: boolean;
  vertex?: VertexChannelConfig;
  /** Text models relayed as-is to `/v1/responses` (openai and openai-compatible only). */
  responsesModels: ResponsesModelConfig[];
  /** `file` when written in the config file, `default` when added from the environment. */
  origin: 'file' | 'default';
}

export interface ServerConfig extends ServerTimeouts {
  port: number;
  host: string;
  bodyLimitBytes: number;
  /** Bytes of large request bodies held in memory at once; more waits its turn (pipeline/body-memory.ts). */
  bodyMemoryBytes: number;
  /** Gateway processes sharing the port (1: no cluster); `auto` already resolved to the core count. */
  workers: number;
}

export interface StorageConfig {
  dataDir: string;
  /** `postgres://…`, or a SQLite file URL/path; undefined means SQLite under dataDir. */
  databaseUrl?: string;
  /** Set: several replicas share rate limits, circuits and the retest lock through this Redis. */
  redisUrl?: string;
  /** Prepended to every Redis key, so several deployments (or tests) can share one Redis. */
  redisKeyPrefix: string;
}

export interface AuthConfig {
  adminKey?: string;
  bootstrapKey?: string;
}

export interface EngineConfig {
  /** Bytes of decoded image pixels held at once in the process; more waits its turn (engine/pixel-memory.ts). */
  pixelMemoryBytes: number;
  /** How long a decode may wait for room before it fails with a 503. */
  pixelWaitMs: number;
}

export interface RoutingConfig {
  maxAttempts: number;
  deadlineMs: number;
  circuit: { failureThreshold: number; openMs: number };
}

export interface RetestConfig {
  enabled: boolean;
  intervalMinutes: number;
  jitterSeconds: number;
  /**
   * How often each process reads the stored retest verdicts again, to pick up the ones stored by
   * other replicas, workers or `imagegate retest` (its own it applies at once).
   */
  verdictReloadSeconds: number;
  /** Front doors each retest goes through. */
  doors: Array<'gemini' | 'openai-images' | 'openai-chat' | 'openai-responses' | 'gemini-interactions'>;
}

export interface CatalogPolicyConfig {
  /** A request for a retired id: `successor` serves it with its successor, `reject` refuses it. */
  retired: 'successor' | 'reject';
  /** `imagegate models sync` on a schedule and at start-up (when a channel has keys). */
  sync: { enabled: boolean; intervalMinutes: number; onStart: boolean };
}

export interface BillingConfig {
  /** Relative difference between ledger and upstream usage that marks billing `under review`. */
  driftThreshold: number;
  /** Multiplier on the worst-case estimate when placing a hold. */
  heldMultiplier: number;
  /**
   * Embedded SQLite: how long a settle, journaled before the answer, waits for company before its
   * batched commit (src/billing/settle-journal.ts). Other processes' reads lag by up to this much.
   */
  settleBatchMs: number;
}

export interface ConversationsConfig {
  /** How long a stored turn (OpenAI Responses, Gemini Interactions) stays readable and continuable. */
  retentionDays: number;
  /** The most turns a continued conversation sends upstream (the newest kept). */
  maxTurns: number;
}

export interface GatewayConfig {
  /** The file read, if any. */
  configPath?: string;
  server: ServerConfig;
  storage: StorageConfig;
  auth: AuthConfig;
  channels: ChannelConfig[];
  /** The built-in catalog with the file's `models:` overrides applied. */
  catalog: ModelCatalog;
  engine: EngineConfig;
  routing: RoutingConfig;
  retest: RetestConfig;
  /** Lifecycle policy and upstream discovery for the catalog. */
  catalogPolicy: CatalogPolicyConfig;
  billing: BillingConfig;
  /** Stored conversations of the doors that keep them. */
  conversations: ConversationsConfig;
}

/** The upstream model name a channel calls for a public model id. */
export function upstreamModelName(channel: ChannelConfig, modelId: string): string {
  return channel.modelMap[modelId] ?? modelId;
}
