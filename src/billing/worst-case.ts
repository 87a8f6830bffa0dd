// The hold placed before an upstream call: the most a request can cost, so a key's spend limit is
// never exceeded by requests in flight. Pure.
import { type CatalogModel, maxOutputImageTokens, outputImageTokens } from '../catalog/catalog.js';
import { openAiImageOptionsOf } from '../canonical/openai-image-options.js';
import type { GenerateContentRequest, RequestSummary } from '../canonical/types.js';
import { type CostBreakdown, emptyAmounts, nanoToMicrosRoundedUp, priceTokens } from './cost.js';
import type { PromptTokenEstimate } from './estimate-tokens.js';

/**
 * Output text a request may add besides its images (captions, refusals). Thinking models also get a
 * thoughts allowance. An upstream that reports more is charged at most the hold on a key with a spend
 * limit (see refund-policy.ts).
 */
export const outputTextAllowanceTokens = 1000;
export const thoughtsAllowanceTokens = 2000;

/** What the answer to one request may bring back at most. */
export interface RequestBounds {
  /** Prompt text tokens at most: UTF-8 bytes (no tokenizer makes a token of less than a byte). */
  promptTextTokens: number;
  /** Prompt image tokens at most: each input image at the model's largest per-image count. */
  promptImageTokens: number;
  /** Images the answer may carry: one per candidate when an image may come back, else none. */
  images: number;
  /** Output tokens one of those images may be billed. */
  tokensPerImage: number;
  /**
   * Output tokens one image usually costs (the catalog's entry for what was asked, never above
   * tokensPerImage): the price of an answer without usage, and reconciliation's expectation.
   */
  typicalTokensPerImage: number;
  /** Partial images a stream may send (each billed model.partialImageTokens). */
  partialImages: number;
}

export interface WorstCaseInput extends RequestBounds {
  model: CatalogModel;
  /** config.billing.heldMultiplier (≥ 1). */
  heldMultiplier: number;
}

export interface WorstCase {
  breakdown: CostBreakdown;
  /** The hold: breakdown.micros × heldMultiplier, rounded up. */
  micros: number;
}

/** Images an answer may carry: image models return one per candidate unless asked for text only. */
export function imagesRequested(summary: RequestSummary): number {
  return summary.mayReturnImage ? Math.max(1, summary.candidateCount) : 0;
}

/**
 * The bounds of a request for `model`, from what it asks and what the model does when it does not
 * say: the default modalities, the default image size, every quality and size an `auto` may pick.
 */
export function requestBounds(
  model: CatalogModel,
  request: GenerateContentRequest,
  summary: RequestSummary,
  stream: boolean,
): RequestBounds {
  let textBytes = 0;
  let inputImages = 0;
  for (const content of [
    ...(request.contents ?? []),
    ...(request.systemInstruction ? [request.systemInstruction] : []),
  ]) {
    for (const part of content.parts ?? []) {
      if (typeof part.text === 'string') textBytes += Buffer.byteLength(part.text, 'utf8');
      if (part.inlineData || part.fileData) inputImages += 1;
    }
  }
  const openAiOptions = openAiImageOptionsOf(request);
  const partialImages = stream ? (openAiOptions?.partial_images ?? 0) : 0;
  const imageQuery = {
    imageSize: summary.imageSize,
    quality: openAiOptions?.quality,
    size: openAiOptions?.size,
  };
  const tokensPerImage = maxOutputImageTokens(model, imageQuery);
  // A prompt longer than the model's input limit is refused upstream (and charged nothing).
  return {
    promptTextTokens: Math.min(textBytes, model.inputTokenLimit),
    promptImageTokens: Math.min(inputImages * model.inputImageTokensMax, model.inputTokenLimit),
    images: imagesRequested(summary),
    tokensPerImage,
    typicalTokensPerImage: Math.min(tokensPerImage, outputImageTokens(model, imageQuery)),
    partialImages: Number.isSafeInteger(partialImages) && partialImages > 0 ? partialImages : 0,
  };
}

export function worstCase(input: WorstCaseInput): WorstCase {
  const { model } = input;
  const tokens = emptyAmounts();
  tokens.inputText = input.promptTextTokens;
  tokens.inputImage = input.promptImageTokens;
  tokens.outputImage =
    input.images * input.tokensPerImage + input.images * input.partialImages * model.partialImageTokens;
  tokens.outputText = outputTextAllowanceTokens;
  tokens.thoughts = model.thinking ? thoughtsAllowanceTokens : 0;
  const breakdown = priceTokens(tokens, model);
  const multiplied = breakdown.totalNanoUsd * Math.max(1, input.heldMultiplier);
  return { breakdown, micros: Math.max(breakdown.micros, nanoToMicrosRoundedUp(multiplied)) };
}

/** The expected (not worst) cost of a request: the estimate shown by countTokens and /admin/estimate. */
export function expectedCost(input: {
  model: CatalogModel;
  prompt: PromptTokenEstimate;
  images: number;
  imageSize?: string;
  /** Output tokens per image when the request pins more than imageSize (gpt-image quality@size). */
  tokensPerImage?: number;
}): CostBreakdown {
  const tokens = emptyAmounts();
  tokens.inputText = input.prompt.textTokens;
  tokens.inputImage = input.prompt.imageTokens;
  tokens.outputImage =
    input.images * (input.tokensPerImage ?? outputImageTokens(input.model, { imageSize: input.imageSize }));
  return priceTokens(tokens, input.model);
}
