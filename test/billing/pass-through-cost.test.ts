import { describe, expect, it } from 'vitest';
import {
  imageGenerationUsageOf,
  passThroughCharge,
  passThroughHold,
  promptTokensOfBody,
  responsesUsageOf,
} from '../../src/billing/pass-through-cost.js';
import { decideCharge } from '../../src/billing/refund-policy.js';
import { requestBounds, worstCase } from '../../src/billing/worst-case.js';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { attachOpenAiImageOptions } from '../../src/canonical/openai-image-options.js';
import type { GenerateContentRequest } from '../../src/canonical/types.js';
import { summarizeFor } from '../../src/pipeline/generation.js';

const catalog = loadBuiltinCatalog();
const image = catalog.resolve('gpt-image-2.6-sunburst')!;
/** gpt-5.1's published prices: $1.25 / $0.125 cached / $10 per 1M tokens. */
const text = { input: 1250, cachedInput: 125, output: 10000 };

function imageBounds(partialImages?: number, stream = false) {
  const request: GenerateContentRequest = { contents: [{ role: 'user', parts: [{ text: 'a red circle' }] }] };
  attachOpenAiImageOptions(request, { partial_images: partialImages });
  return requestBounds(image, request, summarizeFor(image, request), stream);
}

describe('responsesUsageOf and imageGenerationUsageOf', () => {
  it('read the Response usage and the image tool usage', () => {
    const response = {
      usage: { input_tokens: 120, input_tokens_details: { cached_tokens: 20 }, output_tokens: 30 },
      tool_usage: {
        image_gen: {
          input_tokens: 80,
          input_tokens_details: { image_tokens: 65, text_tokens: 15 },
          output_tokens: 1056,
          output_tokens_details: { image_tokens: 1056, text_tokens: 0 },
        },
      },
    };
    expect(responsesUsageOf(response)).toEqual({ inputTokens: 120, cachedInputTokens: 20, outputTokens: 30 });
    expect(imageGenerationUsageOf(response)).toEqual({
      inputTextTokens: 15,
      inputImageTokens: 65,
      outputTextTokens: 0,
      outputImageTokens: 1056,
    });
  });

  it('refuse counts that cannot be billed', () => {
    expect(responsesUsageOf({ usage: { input_tokens: -1, output_tokens: 3 } })).toBeUndefined();
    expect(responsesUsageOf({ usage: { input_tokens: 1.5, output_tokens: 3 } })).toBeUndefined();
    expect(
      responsesUsageOf({
        usage: { input_tokens: 5, output_tokens: 3, input_tokens_details: { cached_tokens: 6 } },
      }),
    ).toBeUndefined();
    expect(responsesUsageOf({})).toBeUndefined();
    expect(
      imageGenerationUsageOf({ tool_usage: { image_gen: { input_tokens: '9', output_tokens: 1 } } }),
    ).toBeUndefined();
  });
});

describe('passThroughCharge', () => {
  it('charges uncached, cached and output tokens at the text prices and the tool at the image model', () => {
    const cost = passThroughCharge({
      text,
      usage: { inputTokens: 120, cachedInputTokens: 20, outputTokens: 30 },
      imageModel: image,
      imageUsage: { inputTextTokens: 15, inputImageTokens: 65, outputTextTokens: 0, outputImageTokens: 1056 },
      completedImages: 1,
      tokensPerImage: 4160,
    });
    const textNano = 100 * 1250 + 20 * 125 + 30 * 10000;
    const imageNano =
      15 * image.pricing.inputText + 65 * image.pricing.inputImage + 1056 * image.pricing.outputImage;
    expect(cost.textNanoUsd).toBe(textNano);
    expect(cost.imageNanoUsd).toBe(imageNano);
    expect(cost.micros).toBe(Math.ceil((textNano + imageNano) / 1000));
  });

  it('prices each completed image at the catalog tokens when the tool usage is absent', () => {
    const cost = passThroughCharge({
      text,
      usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 0 },
      imageModel: image,
      completedImages: 2,
      tokensPerImage: 1000,
    });
    expect(cost.imageNanoUsd).toBe(2 * 1000 * image.pricing.outputImage);
  });
});

describe('passThroughHold', () => {
  it('holds the body as prompt tokens, every output token, and one image at its worst case', () => {
    const bounds = imageBounds(2, true);
    const hold = passThroughHold({
      text,
      bodyBytes: 4001,
      maxOutputTokens: 500,
      imageModel: image,
      imageBounds: bounds,
      images: 1,
      heldMultiplier: 1,
    });
    const imageWorst = worstCase({ model: image, ...bounds, heldMultiplier: 1 });
    expect(promptTokensOfBody(4001)).toBe(1001);
    expect(hold.textNanoUsd).toBe(1001 * 1250 + 500 * 10000);
    expect(hold.imageNanoUsd).toBe(imageWorst.breakdown.totalNanoUsd);
    // Partial images are part of the image's worst case on a stream.
    expect(bounds.partialImages).toBe(2);
    expect(hold.micros).toBe(Math.ceil((hold.textNanoUsd + hold.imageNanoUsd) / 1000));
  });

  it('scales with the held multiplier and holds no image without the tool', () => {
    const input = {
      text,
      bodyBytes: 400,
      maxOutputTokens: 100,
      imageModel: image,
      imageBounds: imageBounds(),
      heldMultiplier: 2,
    };
    const none = passThroughHold({ ...input, images: 0 });
    expect(none.imageNanoUsd).toBe(0);
    expect(none.micros).toBe(Math.ceil((2 * (100 * 1250 + 100 * 10000)) / 1000));
  });

  it('covers the charge of any answer within its bounds', () => {
    const bounds = imageBounds();
    const hold = passThroughHold({
      text,
      bodyBytes: 2000,
      maxOutputTokens: 300,
      imageModel: image,
      imageBounds: bounds,
      images: 1,
      heldMultiplier: 1,
    });
    const charge = passThroughCharge({
      text,
      usage: { inputTokens: 500, cachedInputTokens: 0, outputTokens: 300 },
      imageModel: image,
      imageUsage: {
        inputTextTokens: bounds.promptTextTokens,
        inputImageTokens: 0,
        outputTextTokens: 0,
        outputImageTokens: bounds.tokensPerImage,
      },
      completedImages: 1,
      tokensPerImage: bounds.typicalTokensPerImage,
    });
    expect(charge.micros).toBeLessThanOrEqual(hold.micros);
  });
});

describe('decideCharge with a door-priced charge', () => {
  const prompt = { textTokens: 0, imageTokens: 0, totalTokens: 0, promptTokensDetails: [] };

  it('charges the priced amount on success, capped by the hold of a spend-limited key', () => {
    const base = { model: image, status: 200, imagesOut: 1, prompt, pricedMicros: 4321 };
    expect(decideCharge(base)).toEqual({ micros: 4321, basis: 'upstream_usage' });
    expect(decideCharge({ ...base, capMicros: 4000 })).toMatchObject({ micros: 4000, uncappedMicros: 4321 });
  });

  it('charges nothing for a failure without images, whatever was priced', () => {
    expect(decideCharge({ model: image, status: 502, imagesOut: 0, prompt, pricedMicros: 4321 })).toEqual({
      micros: 0,
      basis: 'refunded_failure',
    });
  });
});
