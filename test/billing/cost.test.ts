import { describe, expect, it } from 'vitest';
import { billedTokens, costOfUsage, nanoToMicrosRoundedUp } from '../../src/billing/cost.js';
import { loadBuiltinCatalog, outputImageTokens } from '../../src/catalog/catalog.js';

const catalog = loadBuiltinCatalog();

function model(id: string) {
  const found = catalog.resolve(id);
  if (!found) throw new Error(`no model ${id}`);
  return found;
}

/** Usage as Gemini reports an image-only answer: details list only the IMAGE tokens. */
function imageAnswerUsage(imageTokens: number, promptText = 0, promptImage = 0) {
  return {
    promptTokenCount: promptText + promptImage,
    candidatesTokenCount: imageTokens,
    totalTokenCount: promptText + promptImage + imageTokens,
    promptTokensDetails: [
      ...(promptText > 0 ? [{ modality: 'TEXT', tokenCount: promptText }] : []),
      ...(promptImage > 0 ? [{ modality: 'IMAGE', tokenCount: promptImage }] : []),
    ],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }],
  };
}

// Output image prices per 1M tokens: 3.1 flash $60, 3 pro $120, Nano Banana 2.1, 3.1 flash lite and
// 2.5 flash $30 (docs/catalog.md names each source). 2.5 flash is retired upstream but stays in the
// catalog, and a config may keep it alive: it is the fixed-size case.
const fixtures = [
  { model: 'gemini-3.1-flash-image', size: '512', tokens: 747, micros: 44_820 },
  { model: 'gemini-3.1-flash-image', size: '1K', tokens: 1120, micros: 67_200 },
  { model: 'gemini-3.1-flash-image', size: '2K', tokens: 1680, micros: 100_800 },
  { model: 'gemini-3.1-flash-image', size: '4K', tokens: 2520, micros: 151_200 },
  { model: 'gemini-3-pro-image', size: '1K', tokens: 1120, micros: 134_400 },
  { model: 'gemini-3-pro-image', size: '2K', tokens: 1120, micros: 134_400 },
  { model: 'gemini-3-pro-image', size: '4K', tokens: 2000, micros: 240_000 },
  { model: 'gemini-nano-banana-2.1', size: '1K', tokens: 1120, micros: 33_600 },
  { model: 'gemini-nano-banana-2.1', size: '4K', tokens: 2520, micros: 75_600 },
  { model: 'gemini-3.1-flash-lite-image', size: '1K', tokens: 1120, micros: 33_600 },
  { model: 'gemini-2.5-flash-image', size: undefined, tokens: 1290, micros: 38_700 },
] as const;

describe('cost of one generated image', () => {
  for (const fixture of fixtures) {
    it(`charges ${fixture.micros} micro-USD for a ${fixture.size ?? 'fixed-size'} image from ${fixture.model}`, () => {
      const entry = model(fixture.model);
      expect(outputImageTokens(entry, { imageSize: fixture.size })).toBe(fixture.tokens);
      const cost = costOfUsage(imageAnswerUsage(fixture.tokens), entry);
      expect(cost.tokens.outputImage).toBe(fixture.tokens);
      expect(cost.micros).toBe(fixture.micros);
    });
  }

  it('charges a 2.5 flash image of 1290 tokens exactly Google price: 1290 x $30/1M = 38,700 micro-USD', () => {
    const cost = costOfUsage(imageAnswerUsage(1290), model('nano-banana'));
    expect(cost.nanoUsd.outputImage).toBe(38_700_000);
    expect(cost.micros).toBe(38_700);
  });

  it('prices input text and input images at their own rates', () => {
    // 3.1 flash: input text and image $0.50/1M = 500 nano-USD per token.
    const cost = costOfUsage(imageAnswerUsage(1120, 13, 560), model('nano-banana-2'));
    expect(cost.tokens).toMatchObject({ inputText: 13, inputImage: 560, outputImage: 1120 });
    expect(cost.nanoUsd.inputText).toBe(6_500);
    expect(cost.nanoUsd.inputImage).toBe(280_000);
    expect(cost.totalNanoUsd).toBe(6_500 + 280_000 + 67_200_000);
    expect(cost.micros).toBe(67_487);
  });
});

describe('splitting usage by modality', () => {
  it('bills output text as candidatesTokenCount minus the listed image tokens', () => {
    // What Gemini image models report: the caption is in the count but not in the details.
    const usage = {
      promptTokenCount: 10,
      candidatesTokenCount: 1120 + 25,
      thoughtsTokenCount: 200,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
    };
    const tokens = billedTokens(usage);
    expect(tokens).toEqual({
      inputText: 10,
      inputImage: 0,
      outputText: 25,
      outputImage: 1120,
      thoughts: 200,
    });
    const cost = costOfUsage(usage, model('gemini-3-pro-image'));
    // pro: text in $2, text out and thoughts $12, image out $120 per 1M.
    expect(cost.nanoUsd).toEqual({
      inputText: 20_000,
      inputImage: 0,
      outputText: 300_000,
      outputImage: 134_400_000,
      thoughts: 2_400_000,
    });
    expect(cost.micros).toBe(137_120);
  });

  it('never bills less text than the details list when the count is missing', () => {
    const tokens = billedTokens({
      candidatesTokensDetails: [
        { modality: 'TEXT', tokenCount: 7 },
        { modality: 'IMAGE', tokenCount: 1290 },
      ],
    });
    expect(tokens.outputText).toBe(7);
    expect(tokens.outputImage).toBe(1290);
  });

  it('bills a prompt without details entirely as text', () => {
    expect(billedTokens({ promptTokenCount: 42 }).inputText).toBe(42);
  });

  it('rounds the summed nano-USD up to the next micro-USD, once', () => {
    expect(nanoToMicrosRoundedUp(0)).toBe(0);
    expect(nanoToMicrosRoundedUp(1)).toBe(1);
    expect(nanoToMicrosRoundedUp(1000)).toBe(1);
    expect(nanoToMicrosRoundedUp(1001)).toBe(2);
    // 3 text tokens at $0.25/1M = 750 nano-USD: one micro-USD, not zero.
    expect(costOfUsage({ promptTokenCount: 3 }, model('nano-banana-2-lite')).micros).toBe(1);
  });

  it('charges nothing on the local engine, whose catalog prices are zero', () => {
    expect(costOfUsage(imageAnswerUsage(1290, 20, 258), model('local-image-edit')).micros).toBe(0);
  });
});
