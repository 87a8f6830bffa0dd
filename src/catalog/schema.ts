// The shape of one catalog model entry (built-in YAML or a config `models:` override), validated
// by zod; published decimal prices become integer nano-USD per token here.
import { z } from 'zod';
import { usdPerMillionToNanoPerToken } from './prices.js';

export const modelFamilies = ['gemini', 'openai', 'local'] as const;
export type ModelFamily = (typeof modelFamilies)[number];

/**
 * The status a catalog entry states. `deprecated` and `retired` normally follow from the dates
 * (src/catalog/lifecycle.ts); `unhealthy` is set live by health data, never written here.
 */
export const modelStatuses = [
  'stable',
  'controlled',
  'deprecated',
  'retired',
  'unhealthy',
  'disabled',
] as const;
export type ModelStatus = (typeof modelStatuses)[number];

/** Which provider family's id a channel calls: AI Studio (and Gemini-compatible), Vertex, OpenAI. */
export const upstreamFamilies = ['gemini', 'vertex', 'openai'] as const;
export type UpstreamFamily = (typeof upstreamFamilies)[number];

export const sourceTopics = ['lifecycle', 'prices', 'capabilities'] as const;
export type SourceTopic = (typeof sourceTopics)[number];

/** Where a figure or date came from, and when someone last checked it there. */
export interface CatalogSource {
  url: string;
  /** YYYY-MM-DD. */
  checked: string;
  covers: SourceTopic[];
}

export const outputModalities = ['TEXT', 'IMAGE'] as const;
export type OutputModality = (typeof outputModalities)[number];

export const priceFields = ['inputText', 'inputImage', 'outputText', 'thoughts', 'outputImage'] as const;
export type PriceField = (typeof priceFields)[number];

export interface ModelCapabilities {
  aspectRatios: string[];
  imageSizes: string[];
  /** The imageSize used when a request names none; null when the model has no imageSize knob. */
  defaultImageSize: string | null;
  maxInputImages: number;
  maxPayloadBytes: number;
  outputModalities: OutputModality[];
  maxCandidateCount: number;
}

/** Integer nano-USD per token (1e-9 USD), exact. */
export type ModelPricing = Record<PriceField, number>;

export interface CatalogModel {
  id: string;
  aliases: string[];
  family: ModelFamily;
  displayName: string;
  description: string;
  version: string;
  status: ModelStatus;
  recommended: boolean;
  /** YYYY-MM-DD the provider released it, when known. */
  released: string | null;
  /** YYYY-MM-DD the shutdown was announced (the `Deprecation` header's date), when known. */
  deprecated: string | null;
  /** YYYY-MM-DD the provider shuts it down (or did); null while none is announced. */
  shutdown: string | null;
  /** The catalog id that serves requests for this one once it is retired. */
  successor: string | null;
  /** The id each provider family calls for this model, where it differs from `id`. */
  upstreamIds: Partial<Record<UpstreamFamily, string>>;
  /** USD per generated image as the provider publishes it, by the `imageTokens` keys. */
  imagePrices: Record<string, string>;
  sources: CatalogSource[];
  inputTokenLimit: number;
  outputTokenLimit: number;
  thinking: boolean;
  capabilities: ModelCapabilities;
  /** Nano-USD per token, converted from `pricingUsdPerMillion`. */
  pricing: ModelPricing;
  /** The published prices as written (USD per 1M tokens), for display. */
  pricingUsdPerMillion: Record<PriceField, string>;
  /** Input tokens billed per input image, as usually reported (estimates, countTokens). */
  inputImageTokens: number;
  /** The most one input image can be billed (largest media resolution or tiling); holds use it. */
  inputImageTokensMax: number;
  /** Output tokens billed per partial image a stream sends (gpt-image bills each one). */
  partialImageTokens: number;
  /** Output tokens billed per generated image, by imageSize or `quality@size`, plus `default`. */
  imageTokens: Record<string, number>;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const modelName = z
  .string()
  .regex(namePattern, { error: 'expected a model id of letters, digits, ".", "_" or "-"' });
const positiveInteger = z.number().int().positive();
/** YAML reads an unquoted 2026-06-25 as a string here (the core schema keeps dates as text). */
const isoDate = z
  .union([z.string(), z.date()])
  .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value))
  .refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), {
    error: 'expected a date as YYYY-MM-DD',
  });
const sourceSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  checked: isoDate,
  covers: z.array(z.enum(sourceTopics)).min(1),
});
const usdPerImage = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => /^\d+(\.\d{1,4})?$/.test(value), {
    error: 'expected a USD price per image, e.g. "0.039"',
  });
const nonNegativeInteger = z.number().int().nonnegative();

const publishedPrice = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value) => String(value))
  .refine((value) => usdPerMillionToNanoPerToken(value) !== undefined, {
    error: 'expected a decimal USD price per 1M tokens with at most 3 decimals, e.g. "0.30"',
  });

const pricingSchema = z.strictObject({
  inputText: publishedPrice,
  inputImage: publishedPrice,
  outputText: publishedPrice,
  thoughts: publishedPrice,
  outputImage: publishedPrice,
});

const capabilitiesSchema = z
  .strictObject({
    aspectRatios: z.array(z.string().regex(/^\d+:\d+$/, { error: 'expected a ratio like "16:9"' })),
    imageSizes: z.array(z.string().min(1)),
    defaultImageSize: z.string().min(1).nullable(),
    maxInputImages: nonNegativeInteger,
    maxPayloadBytes: positiveInteger,
    outputModalities: z.array(z.enum(outputModalities)).min(1),
    maxCandidateCount: positiveInteger,
  })
  .superRefine((capabilities, context) => {
    const size = capabilities.defaultImageSize;
    if (size !== null && !capabilities.imageSizes.includes(size)) {
      context.addIssue({
        code: 'custom',
        path: ['defaultImageSize'],
        message: `defaultImageSize ${JSON.stringify(size)} is not one of imageSizes [${capabilities.imageSizes.join(', ')}]`,
      });
    }
  });

export const catalogEntrySchema = z
  .strictObject({
    id: modelName,
    aliases: z.array(modelName).default([]),
    family: z.enum(modelFamilies),
    displayName: z.string().min(1),
    description: z.string().default(''),
    version: z.union([z.string(), z.number()]).transform((value) => String(value)),
    status: z.enum(modelStatuses),
    recommended: z.boolean().default(false),
    released: isoDate.nullable().default(null),
    deprecated: isoDate.nullable().default(null),
    shutdown: isoDate.nullable().default(null),
    successor: modelName.nullable().default(null),
    upstreamIds: z.partialRecord(z.enum(upstreamFamilies), modelName).default({}),
    imagePrices: z.record(z.string(), usdPerImage).default({}),
    sources: z.array(sourceSchema).default([]),
    inputTokenLimit: positiveInteger,
    outputTokenLimit: positiveInteger,
    thinking: z.boolean(),
    capabilities: capabilitiesSchema,
    pricing: pricingSchema,
    inputImageTokens: nonNegativeInteger,
    inputImageTokensMax: nonNegativeInteger.optional(),
    partialImageTokens: nonNegativeInteger.default(0),
    imageTokens: z.record(z.string(), nonNegativeInteger),
  })
  .transform((entry): CatalogModel => {
    const pricing = {} as ModelPricing;
    for (const field of priceFields) {
      pricing[field] = usdPerMillionToNanoPerToken(entry.pricing[field]) ?? 0;
    }
    const { inputImageTokensMax, ...rest } = entry;
    return {
      ...rest,
      inputImageTokensMax: Math.max(entry.inputImageTokens, inputImageTokensMax ?? 0),
      pricing,
      pricingUsdPerMillion: entry.pricing,
    };
  });

/** A catalog entry as written (before validation); overrides are partial ones. */
export type CatalogEntryInput = Record<string, unknown>;
