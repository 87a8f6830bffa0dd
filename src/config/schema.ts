// The config file's shape (zod, strict: unknown fields are errors so typos surface). Semantic
// checks that need the catalog or the environment live in channels.ts.
import { z } from 'zod';
import { usdPerMillionToNanoPerToken } from '../catalog/prices.js';
import {
  defaultBodyMemoryBytes,
  defaultPixelMemoryBytes,
  defaultPixelWaitMs,
  defaultServerTimeouts,
} from '../security/limits.js';
import { authStyles, channelApis, providerTypes } from './types.js';

const positiveInteger = z.number().int().positive();
/** Node's timers fire at once past 2^31 - 1 ms, so a larger timeout would end every call immediately. */
export const maxTimerMs = 2_147_483_647;
const timerMs = positiveInteger.max(maxTimerMs);
/** A hold above 10× the worst case is a typo; an unbounded one overflows the ledger's integers. */
export const maxHeldMultiplier = 10;
/** Stored conversation turns live at most this long (`conversations.retentionDays`). */
export const maxRetentionDays = 36_500;
const port = z.number().int().min(0).max(65535);
/** Gateway processes on this node (`auto`: one per core); see src/cluster/. */
export const maxWorkers = 64;
const workerCount = z.union([z.number().int().min(1).max(maxWorkers), z.literal('auto')]);
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: 'expected a name of letters, digits, ".", "_" or "-"',
});

export const vertexSchema = z.strictObject({
  project: z.string().min(1),
  location: z.string().min(1),
  credentialsFile: z.string().min(1).optional(),
  tokenUrl: httpUrl.optional(),
});

/** A published price: decimal USD per 1M tokens as text, like the catalog's pricing. */
const usdPerMillion = z.string().refine((value) => usdPerMillionToNanoPerToken(value) !== undefined, {
  error: 'expected a decimal USD price per 1M tokens with at most 3 decimals, e.g. "1.25"',
});

/** A text model a channel's upstream serves on `/v1/responses`, with the prices it is billed at. */
export const responsesModelSchema = z.strictObject({
  id: z.string().min(1),
  inputUsdPerMillion: usdPerMillion,
  cachedInputUsdPerMillion: usdPerMillion.optional(),
  outputUsdPerMillion: usdPerMillion,
  maxOutputTokens: positiveInteger,
});
export type ResponsesModelFileEntry = z.output<typeof responsesModelSchema>;

export const channelFileSchema = z.strictObject({
  name,
  provider: z.enum(providerTypes),
  baseUrl: httpUrl.optional(),
  apiKeys: z.array(z.string().min(1)).default([]),
  authStyle: z.enum(authStyles).optional(),
  api: z.enum(channelApis).default('generateContent'),
  models: z.array(z.string().min(1)).optional(),
  modelMap: z.record(z.string(), z.string().min(1)).default({}),
  priority: z.number().int().default(0),
  weight: positiveInteger.default(1),
  timeoutMs: timerMs.default(120_000),
  pinForRetest: z.boolean().default(false),
  vertex: vertexSchema.optional(),
  responsesModels: z.array(responsesModelSchema).optional(),
});
export type ChannelFileEntry = z.output<typeof channelFileSchema>;

export const configFileSchema = z.strictObject({
  channels: z.array(channelFileSchema).default([]),
  models: z.array(z.record(z.string(), z.unknown())).default([]),
  server: z
    .strictObject({
      port: port.optional(),
      host: z.string().min(1).optional(),
      bodyLimitBytes: positiveInteger.default(64 * 1024 * 1024),
      bodyMemoryBytes: positiveInteger.default(defaultBodyMemoryBytes),
      requestTimeoutMs: timerMs.default(defaultServerTimeouts.requestTimeoutMs),
      headersTimeoutMs: timerMs.default(defaultServerTimeouts.headersTimeoutMs),
      idleTimeoutMs: timerMs.default(defaultServerTimeouts.idleTimeoutMs),
      keepAliveTimeoutMs: timerMs.default(defaultServerTimeouts.keepAliveTimeoutMs),
      workers: workerCount.default(1),
    })
    .prefault({}),
  storage: z
    .strictObject({
      dataDir: z.string().min(1).optional(),
      databaseUrl: z.string().min(1).optional(),
      redisUrl: z.string().min(1).optional(),
      redisKeyPrefix: z.string().min(1).optional(),
    })
    .prefault({}),
  engine: z
    .strictObject({
      pixelMemoryBytes: positiveInteger.default(defaultPixelMemoryBytes),
      pixelWaitMs: positiveInteger.default(defaultPixelWaitMs),
    })
    .prefault({}),
  routing: z
    .strictObject({
      maxAttempts: positiveInteger.default(3),
      deadlineMs: timerMs.default(300_000),
      circuit: z
        .strictObject({
          failureThreshold: positiveInteger.default(5),
          openMs: timerMs.default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
  retest: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMinutes: positiveInteger.max(Math.floor(maxTimerMs / 60_000)).default(60),
      jitterSeconds: z.number().int().nonnegative().default(120),
      verdictReloadSeconds: positiveInteger.default(10),
      doors: z
        .array(z.enum(['gemini', 'openai-images', 'openai-chat', 'openai-responses', 'gemini-interactions']))
        .min(1)
        .default(['gemini', 'openai-images', 'openai-chat', 'openai-responses', 'gemini-interactions']),
    })
    .prefault({}),
  catalog: z
    .strictObject({
      /** A request for a retired id: served by its successor, or refused naming it. */
      retired: z.enum(['successor', 'reject']).default('successor'),
      sync: z
        .strictObject({
          enabled: z.boolean().default(true),
          intervalMinutes: positiveInteger.max(Math.floor(maxTimerMs / 60_000)).default(720),
          onStart: z.boolean().default(true),
        })
        .prefault({}),
    })
    .prefault({}),
  billing: z
    .strictObject({
      driftThreshold: z.number().nonnegative().default(0.05),
      heldMultiplier: z.number().min(1).max(maxHeldMultiplier).default(1),
      settleBatchMs: z.number().int().min(0).max(60_000).default(20),
    })
    .prefault({}),
  conversations: z
    .strictObject({
      /** A century at most: beyond it an expiry is a typo, not a policy. */
      retentionDays: positiveInteger.max(maxRetentionDays).default(30),
      maxTurns: positiveInteger.default(50),
    })
    .prefault({}),
});
export type ConfigFile = z.output<typeof configFileSchema>;
