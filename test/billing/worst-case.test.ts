import { describe, expect, it } from 'vitest';
import { InProcessAdmission } from '../../src/billing/admission.js';
import { estimatePromptTokens } from '../../src/billing/estimate-tokens.js';
import { decideCharge } from '../../src/billing/refund-policy.js';
import { reconcileRequest } from '../../src/billing/reconcile.js';
import {
  outputTextAllowanceTokens,
  thoughtsAllowanceTokens,
  worstCase,
} from '../../src/billing/worst-case.js';
import { GatewayError } from '../../src/canonical/errors.js';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.js';

const catalog = loadBuiltinCatalog();
const flash = catalog.resolve('gemini-3.1-flash-image-preview')!;
const flash25 = catalog.resolve('gemini-2.5-flash-image')!;
const prompt = estimatePromptTokens({ contents: [{ parts: [{ text: 'a red circle on white' }] }] }, flash);

describe('worst-case hold', () => {
  it('holds the prompt, the largest output for the requested size, and a text allowance', () => {
    const hold = worstCase({ model: flash, prompt, imageSize: '4K', images: 1, heldMultiplier: 1 });
    expect(hold.breakdown.tokens.outputImage).toBe(2520);
    expect(hold.breakdown.tokens.outputText).toBe(outputTextAllowanceTokens);
    expect(hold.breakdown.tokens.thoughts).toBe(thoughtsAllowanceTokens);
    const expectedNano = prompt.textTokens * 500 + 2520 * 60_000 + (1000 + 2000) * 3_000;
    expect(hold.micros).toBe(Math.ceil(expectedNano / 1000));
  });

  it('uses the model default size when the request names none', () => {
    expect(
      worstCase({ model: flash, prompt, images: 1, heldMultiplier: 1 }).breakdown.tokens.outputImage,
    ).toBe(1120);
    expect(
      worstCase({ model: flash25, prompt, images: 1, heldMultiplier: 1 }).breakdown.tokens.outputImage,
    ).toBe(1290);
  });

  it('multiplies by heldMultiplier and rounds up', () => {
    const single = worstCase({ model: flash, prompt, images: 1, heldMultiplier: 1 });
    const padded = worstCase({ model: flash, prompt, images: 1, heldMultiplier: 1.5 });
    expect(padded.micros).toBe(Math.ceil((single.breakdown.totalNanoUsd * 1.5) / 1000));
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
