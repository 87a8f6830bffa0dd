// What a Responses pass-through request (a text model with the image tool, relayed as-is) may cost
// and what it costs: the text model's tokens at the channel's published prices, plus the image tool's
// tokens at the image model's catalog prices. Integer nano-USD throughout, rounded up to micro-USD
// once. Pure; docs/billing.md ("Responses pass-through").
import type { CatalogModel } from '../catalog/catalog.js';
import type { ResponsesModelPricing } from '../config/types.js';
import { emptyAmounts, nanoToMicrosRoundedUp, priceTokens } from './cost.js';
import { type RequestBounds, worstCase } from './worst-case.js';
import { record } from '../canonical/json-record.js';

/** More tokens than any one request can use; beyond it a count is not believed (as billable-usage.ts). */
const maxTokenCount = 1_000_000_000;

/** A text model's own tokens, from the Response's `usage`. */
export interface ResponsesUsage {
  inputTokens: number;
  /** Of inputTokens, those read from the prompt cache. */
  cachedInputTokens: number;
  /** Includes reasoning tokens, as OpenAI bills them. */
  outputTokens: number;
}

/** The image tool's tokens, from the Response's `tool_usage.image_gen`. */
export interface ImageGenerationUsage {
  inputTextTokens: number;
  inputImageTokens: number;
  outputTextTokens: number;
  outputImageTokens: number;
}

export interface PassThroughCost {
  textNanoUsd: number;
  imageNanoUsd: number;
  totalNanoUsd: number;
  /** totalNanoUsd (× the held multiplier for a hold) rounded up to whole micro-USD. */
  micros: number;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxTokenCount
    ? value
    : undefined;
}

/** The Response's `usage` when every count is plausible (cached within input), else undefined. */
export function responsesUsageOf(response: unknown): ResponsesUsage | undefined {
  const usage = record(record(response)?.usage);
  if (!usage) return undefined;
  const inputTokens = count(usage.input_tokens);
  const outputTokens = count(usage.output_tokens);
  const cachedField = record(usage.input_tokens_details)?.cached_tokens;
  const cachedInputTokens = cachedField === undefined || cachedField === null ? 0 : count(cachedField);
  if (inputTokens === undefined || outputTokens === undefined || cachedInputTokens === undefined)
    return undefined;
  if (cachedInputTokens > inputTokens) return undefined;
  return { inputTokens, cachedInputTokens, outputTokens };
}

/**
 * `tool_usage.image_gen` when present and plausible. Input tokens the details do not split count as
 * text; output tokens the details do not split count as image tokens (the tool's output is images).
 */
export function imageGenerationUsageOf(response: unknown): ImageGenerationUsage | undefined {
  const usage = record(record(record(response)?.tool_usage)?.image_gen);
  if (!usage) return undefined;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const inputDetails = record(usage.input_tokens_details);
  const outputDetails = record(usage.output_tokens_details);
  const inputImageTokens = count(inputDetails?.image_tokens ?? 0);
  const outputTextTokens = count(outputDetails?.text_tokens ?? 0);
  if (inputImageTokens === undefined || outputTextTokens === undefined) return undefined;
  if (inputImageTokens > input || outputTextTokens > output) return undefined;
  return {
    inputTextTokens: input - inputImageTokens,
    inputImageTokens,
    outputTextTokens,
    outputImageTokens: output - outputTextTokens,
  };
}

function textNano(pricing: ResponsesModelPricing, usage: ResponsesUsage): number {
  const uncached = usage.inputTokens - usage.cachedInputTokens;
  return (
    uncached * pricing.input +
    usage.cachedInputTokens * pricing.cachedInput +
    usage.outputTokens * pricing.output
  );
}

function imageNano(model: CatalogModel, usage: ImageGenerationUsage): number {
  const tokens = emptyAmounts();
  tokens.inputText = usage.inputTextTokens;
  tokens.inputImage = usage.inputImageTokens;
  tokens.outputText = usage.outputTextTokens;
  tokens.outputImage = usage.outputImageTokens;
  return priceTokens(tokens, model).totalNanoUsd;
}

function total(textNanoUsd: number, imageNanoUsd: number, multiplier = 1): PassThroughCost {
  const totalNanoUsd = textNanoUsd + imageNanoUsd;
  const multiplied = totalNanoUsd * Math.max(1, multiplier);
  if (!Number.isSafeInteger(totalNanoUsd) || !Number.isFinite(multiplied)) {
    throw new RangeError('cost exceeds the exact integer range');
  }
  return {
    textNanoUsd,
    imageNanoUsd,
    totalNanoUsd,
    micros: Math.max(nanoToMicrosRoundedUp(totalNanoUsd), nanoToMicrosRoundedUp(multiplied)),
  };
}

/** Prompt tokens assumed for a request body: a token per 4 bytes of its JSON. */
export function promptTokensOfBody(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 4);
}

export interface PassThroughHoldInput {
  text: ResponsesModelPricing;
  /** Bytes of the JSON body the client sent (images included: the text model bills them as input). */
  bodyBytes: number;
  /** The request's `max_output_tokens`, else the model's configured maxOutputTokens. */
  maxOutputTokens: number;
  imageModel: CatalogModel;
  /** One image of the tool at the image model (requestBounds with the tool's options). */
  imageBounds: RequestBounds;
  /** Images the request may make. */
  images: number;
  heldMultiplier: number;
}

/**
 * The worst case of a pass-through request: the body as prompt tokens and every output token it may
 * write at the text prices, plus each image it may make at the image model's worst case (partial
 * images included), all × the held multiplier.
 */
export function passThroughHold(input: PassThroughHoldInput): PassThroughCost {
  const text =
    promptTokensOfBody(input.bodyBytes) * input.text.input + input.maxOutputTokens * input.text.output;
  const image = worstCase({ model: input.imageModel, ...input.imageBounds, heldMultiplier: 1 });
  return total(text, image.breakdown.totalNanoUsd * input.images, input.heldMultiplier);
}

export interface PassThroughChargeInput {
  text: ResponsesModelPricing;
  usage: ResponsesUsage;
  imageModel: CatalogModel;
  /** The tool's reported tokens; absent: completedImages at tokensPerImage. */
  imageUsage?: ImageGenerationUsage;
  completedImages: number;
  /** The catalog's output tokens for one image of this request (RequestBounds.typicalTokensPerImage). */
  tokensPerImage: number;
}

/** The exact charge of a completed pass-through response, from the upstream's own counts. */
export function passThroughCharge(input: PassThroughChargeInput): PassThroughCost {
  const imageUsage = input.imageUsage ?? {
    inputTextTokens: 0,
    inputImageTokens: 0,
    outputTextTokens: 0,
    outputImageTokens: input.completedImages * input.tokensPerImage,
  };
  return total(textNano(input.text, input.usage), imageNano(input.imageModel, imageUsage));
}
