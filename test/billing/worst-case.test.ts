import { describe, expect, it } from 'vitest';
import { InProcessAdmission } from '../../src/shared-state/in-process/admission.js';
import { estimatePromptTokens } from '../../src/billing/estimate-tokens.js';
import { decideCharge } from '../../src/billing/refund-policy.js';
import { reconcileRequest } from '../../src/billing/reconcile.js';
import {
  outputTextAllowanceTokens,
  requestBounds,
  thoughtsAllowanceTokens,
  worstCase,
} from '../../src/billing/worst-case.js';
import { GatewayError } from '../../src/canonical/errors.js';
import { type CatalogModel, loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { attachOpenAiImageOptions } from '../../src/canonical/openai-image-options.js';
import type { GenerateContentRequest } from '../../src/canonical/types.js';
import { summarizeFor } from '../../src/pipeline/generation.js';

const catalog = loadBuiltinCatalog();
const flash = catalog.resolve('gemini-3.1-flash-image')!;
// A fixed-size image model (no imageSize, so holds use its default image tokens): retired upstream,
// but a config may keep it alive, and no live Gemini model is fixed-size.
const flash25 = catalog.resolve('gemini-2.5-flash-image')!;
const prompt = estimatePromptTokens({ contents: [{ parts: [{ text: 'a red circle on white' }] }] }, flash);
const promptBytes = 'a red circle on white'.length;
const bounds = (images: number, tokensPerImage: number) => ({
  promptTextTokens: promptBytes,
  promptImageTokens: 0,
  images,
  tokensPerImage,
  typicalTokensPerImage: tokensPerImage,
  partialImages: 0,
});

describe('worst-case hold', () => {
  it('holds the prompt, the largest output for the requested size, and a text allowance', () => {
    const hold = worstCase({ model: flash, ...bounds(1, 2520), heldMultiplier: 1 });
    expect(hold.breakdown.tokens.outputImage).toBe(2520);
    expect(hold.breakdown.tokens.outputText).toBe(outputTextAllowanceTokens);
    expect(hold.breakdown.tokens.thoughts).toBe(thoughtsAllowanceTokens);
    const expectedNano = promptBytes * 500 + 2520 * 60_000 + (1000 + 2000) * 3_000;
    expect(hold.micros).toBe(Math.ceil(expectedNano / 1000));
  });

  it('multiplies by heldMultiplier and rounds up', () => {
    const single = worstCase({ model: flash, ...bounds(1, 1120), heldMultiplier: 1 });
    const padded = worstCase({ model: flash, ...bounds(1, 1120), heldMultiplier: 1.5 });
    expect(padded.micros).toBe(Math.ceil((single.breakdown.totalNanoUsd * 1.5) / 1000));
  });
});

describe('the bounds of a request', () => {
  const gptImage = catalog.resolve('gpt-image-2')!;
  const text = (value: string): GenerateContentRequest => ({ contents: [{ parts: [{ text: value }] }] });
  const boundsOf = (model: CatalogModel, request: GenerateContentRequest, stream = false) =>
    requestBounds(model, request, summarizeFor(model, request), stream);

  it('holds an image for an image model asked without responseModalities (it answers with one)', () => {
    expect(boundsOf(flash, text('a cat')).images).toBe(1);
    expect(boundsOf(flash25, text('a cat')).images).toBe(1);
    const empty = { ...text('a cat'), generationConfig: { responseModalities: [] } };
    expect(boundsOf(flash, empty).images).toBe(1);
  });

  it('holds no image when the request asks for text only', () => {
    const textOnly = { ...text('a cat'), generationConfig: { responseModalities: ['TEXT'] } };
    expect(boundsOf(flash, textOnly).images).toBe(0);
  });

  it("holds the requested imageSize, else the model's default size", () => {
    const sized = { ...text('a cat'), generationConfig: { imageConfig: { imageSize: '4K' } } };
    expect(boundsOf(flash, sized).tokensPerImage).toBe(2520);
    expect(boundsOf(flash, text('a cat')).tokensPerImage).toBe(1120);
    expect(boundsOf(flash25, text('a cat')).tokensPerImage).toBe(1290);
  });

  it('holds the gpt-image quality and size asked for, and the largest either may be when auto', () => {
    const withOptions = (options: Parameters<typeof attachOpenAiImageOptions>[1]) => {
      const request = text('a cat');
      attachOpenAiImageOptions(request, options);
      return boundsOf(gptImage, request).tokensPerImage;
    };
    expect(withOptions({ quality: 'low', size: '1024x1024' })).toBe(272);
    expect(withOptions({ quality: 'high', size: '1024x1536' })).toBe(6240);
    expect(withOptions({ quality: 'medium' })).toBe(1584);
    expect(withOptions({ size: '1536x1024' })).toBe(6208);
    expect(withOptions({ quality: 'auto' })).toBe(6240);
    expect(withOptions({ quality: 'low', size: '2048x2048' })).toBe(408);
    expect(withOptions({})).toBe(6240);
  });

  it('holds the partial images a gpt-image stream bills, and none without a stream', () => {
    const request = text('a cat');
    attachOpenAiImageOptions(request, { quality: 'low', size: '1024x1024', partial_images: 3 });
    expect(boundsOf(gptImage, request, true).partialImages).toBe(3);
    expect(boundsOf(gptImage, request, false).partialImages).toBe(0);
    const hold = worstCase({ model: gptImage, ...boundsOf(gptImage, request, true), heldMultiplier: 1 });
    expect(hold.breakdown.tokens.outputImage).toBe(272 + 3 * 100);
  });

  it('holds prompt text as UTF-8 bytes and input images at their largest, within the input limit', () => {
    const wide = '画'.repeat(100);
    const image = { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } };
    const request: GenerateContentRequest = { contents: [{ parts: [{ text: wide }, image, image] }] };
    const bounds = boundsOf(flash, request);
    expect(bounds.promptTextTokens).toBe(300);
    expect(bounds.promptImageTokens).toBe(2 * 2240);
    expect(boundsOf(flash, text('x'.repeat(1_000_000))).promptTextTokens).toBe(flash.inputTokenLimit);
  });
});

describe('refund policy', () => {
  const usage = {
    promptTokenCount: 5,
    candidatesTokenCount: 1120,
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
  };

  it('charges nothing for a failed request', () => {
    expect(decideCharge({ model: flash, status: 503, usage, imagesOut: 0, prompt })).toMatchObject({
      micros: 0,
      basis: 'refunded_failure',
    });
    expect(decideCharge({ model: flash, status: 0, imagesOut: 0, prompt }).micros).toBe(0);
  });

  it('charges a safety block only the tokens the upstream reported', () => {
    const blocked = { promptTokenCount: 12, candidatesTokenCount: 0 };
    const decision = decideCharge({ model: flash, status: 200, usage: blocked, imagesOut: 0, prompt });
    expect(decision.basis).toBe('upstream_usage');
    expect(decision.micros).toBe(Math.ceil((12 * 500) / 1000));
  });

  it('charges an answer without usage the catalog price of what it delivered', () => {
    const decision = decideCharge({ model: flash, status: 200, imagesOut: 1, imageSize: '2K', prompt });
    expect(decision.basis).toBe('catalog_estimate');
    expect(decision.breakdown?.tokens.outputImage).toBe(1680);
  });
});

describe('reconciliation of one request', () => {
  const decisionFor = (imageTokens: number) =>
    decideCharge({
      model: flash,
      status: 200,
      usage: {
        candidatesTokenCount: imageTokens,
        candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }],
      },
      imagesOut: 1,
      prompt,
    });

  it('finds nothing when the upstream reports what the catalog expects', () => {
    const decision = decisionFor(1120);
    expect(
      reconcileRequest({
        model: flash,
        status: 200,
        decision,
        usage: {
          candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
          candidatesTokenCount: 1120,
        },
        imagesOut: 1,
        threshold: 0.05,
      }),
    ).toEqual([]);
  });

  it('records output image tokens drifting beyond the threshold as evidence', () => {
    const usage = {
      candidatesTokenCount: 1680,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1680 }],
    };
    const findings = reconcileRequest({
      model: flash,
      status: 200,
      decision: decisionFor(1680),
      usage,
      imagesOut: 1,
      imageSize: '1K',
      threshold: 0.05,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'output_image_tokens',
      reportedTokens: 1680,
      expectedTokens: 1120,
      driftPpm: 500_000,
    });
  });
});

describe('in-process admission', () => {
  const limits = { requestsPerMinute: 2, imagesPerMinute: null, concurrencyLimit: null };

  it('refuses the third request in a minute with a Retry-After until the oldest leaves the window', async () => {
    let now = 1_000_000;
    const admission = new InProcessAdmission(() => now);
    await admission.admit({ keyId: 'k', limits, images: 1 });
    now += 10_000;
    await admission.admit({ keyId: 'k', limits, images: 1 });
    now += 5_000;
    const refusal = await admission.admit({ keyId: 'k', limits, images: 1 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GatewayError);
    expect((refusal as GatewayError).httpStatus).toBe(429);
    expect((refusal as GatewayError).retryAfterSeconds).toBe(45);
    now += 45_001;
    await expect(admission.admit({ keyId: 'k', limits, images: 1 })).resolves.toBeDefined();
  });

  it('counts images per minute and requests in flight', async () => {
    const admission = new InProcessAdmission();
    const imageLimits = { requestsPerMinute: null, imagesPerMinute: 1, concurrencyLimit: 1 };
    const first = await admission.admit({ keyId: 'k', limits: imageLimits, images: 1 });
    await expect(
      admission.admit({ keyId: 'k', limits: { ...imageLimits, imagesPerMinute: null }, images: 1 }),
    ).rejects.toThrow(/in flight/);
    first.release();
    await expect(admission.admit({ keyId: 'k', limits: imageLimits, images: 1 })).rejects.toThrow(
      /images per minute/,
    );
  });
});
