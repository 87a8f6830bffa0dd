// The shape of one catalog model entry (built-in YAML or a config `models:` override), validated
// by zod; published decimal prices become integer nano-USD per token here.
import { z } from 'zod';
import { usdPerMillionToNanoPerToken } from './prices.js';

export const modelFamilies = ['gemini', 'openai', 'local'] as const;
export type ModelFamily = (typeof modelFamilies)[number];

export const modelStatuses = ['stable', 'controlled', 'unhealthy', 'disabled'] as const;
export type ModelStatus = (typeof modelStatuses)[number];

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
  /** On a preview id: the GA successor. */
  gaId?: string;
  /** On a GA id: the preview id it replaced. */
  previewId?: string;
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
    gaId: modelName.optional(),
    previewId: modelName.optional(),
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
    const { gaId, previewId, inputImageTokensMax, ...rest } = entry;
    return {
      ...rest,
      inputImageTokensMax: Math.max(entry.inputImageTokens, inputImageTokensMax ?? 0),
      ...(gaId === undefined ? {} : { gaId }),
      ...(previewId === undefined ? {} : { previewId }),
      pricing,
      pricingUsdPerMillion: entry.pricing,
    };
  });

/** A catalog entry as written (before validation); overrides are partial ones. */
export type CatalogEntryInput = Record<string, unknown>;
