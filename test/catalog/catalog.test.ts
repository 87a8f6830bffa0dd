import { describe, expect, it } from 'vitest';
import { loadBuiltinCatalog, outputImageTokens } from '../../src/catalog/catalog.js';

const catalog = loadBuiltinCatalog();

function model(id: string) {
  const found = catalog.resolve(id);
  if (found === undefined) throw new Error(`missing ${id}`);
  return found;
}

describe('the built-in catalog', () => {
  it('lists every built-in model once and ignores the shared anchors', () => {
    const ids = catalog.list().map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['gemini-3.1-flash-image', 'gemini-3-pro-image', 'local-image-edit']),
    );
    expect(ids).not.toContain('shared');
  });

  it('resolves aliases and the models/ prefix to the same model', () => {
    expect(catalog.resolve('nano-banana-2')?.id).toBe('gemini-3.1-flash-image');
    expect(catalog.resolve('models/nano-banana')?.id).toBe('gemini-2.5-flash-image');
    expect(catalog.resolve('models/gemini-3-pro-image-preview')?.id).toBe('gemini-3-pro-image-preview');
    expect(catalog.resolve('nano-banana-pro')?.id).toBe('gemini-3-pro-image');
  });

  it('treats ids as case-sensitive and unknown names as undefined', () => {
    expect(catalog.resolve('Gemini-2.5-Flash-Image')).toBeUndefined();
    expect(catalog.resolve('dall-e-3')).toBeUndefined();
  });

  it('expands the YAML merge keys into complete entries', () => {
    const flash = model('gemini-3.1-flash-image');
    expect(flash.successor).toBe('gemini-nano-banana-2.1');
    expect(flash.capabilities.aspectRatios).toContain('1:8');
    expect(flash.capabilities.imageSizes).toEqual(['512', '1K', '2K', '4K']);
    expect(model('gemini-nano-banana-2.1').capabilities.imageSizes).toEqual(['1K', '2K', '4K']);
    expect(model('gemini-nano-banana-2.1').imagePrices).toEqual({ '1K': '0.0336' });
    expect(model('gemini-3.1-flash-image-preview').successor).toBe('gemini-3.1-flash-image');
    expect(model('gemini-2.5-flash-image').capabilities.imageSizes).toEqual([]);
    expect(model('gemini-2.5-flash-image').status).toBe('controlled');
  });

  it('converts published prices to exact integer nano-USD per token', () => {
    expect(model('gemini-2.5-flash-image').pricing).toEqual({
      inputText: 300,
      inputImage: 300,
      outputText: 2500,
      thoughts: 2500,
      outputImage: 30000,
    });
    expect(model('gemini-3.1-flash-image-preview').pricing.outputImage).toBe(60000);
    expect(model('gemini-3.1-flash-image-preview').pricing.inputText).toBe(500);
    expect(model('gpt-image-1-mini').pricing.inputImage).toBe(2500);
    expect(model('gemini-2.5-flash-image').pricingUsdPerMillion.inputText).toBe('0.30');
  });

  it('prices one 2.5 flash image at 38.7 milli-USD without rounding', () => {
    const flash = model('gemini-2.5-flash-image');
    const tokens = outputImageTokens(flash);
    expect(tokens).toBe(1290);
    expect(tokens * flash.pricing.outputImage).toBe(38_700_000);
  });
});

describe('close id suggestions', () => {
  it('suggests gemini-2.5-flash-image for a truncated id', () => {
    expect(catalog.closeIds('gemini-2.5-flash-imag')[0]).toBe('gemini-2.5-flash-image');
  });

  it('suggests aliases too and honours the limit', () => {
    expect(catalog.closeIds('models/nano-banan', 1)).toEqual(['nano-banana']);
  });

  it('suggests nothing for a name unlike any model', () => {
    expect(catalog.closeIds('stable-diffusion-xl')).toEqual([]);
  });
});

describe('output image tokens', () => {
  it('looks up the exact imageSize first, then falls back to the default size', () => {
    const flash = model('gemini-3.1-flash-image');
    expect(outputImageTokens(flash, { imageSize: '4K' })).toBe(2520);
    expect(outputImageTokens(flash, { imageSize: '512' })).toBe(747);
    expect(outputImageTokens(flash)).toBe(1120);
  });

  it('looks up quality@size for OpenAI models and falls back to default', () => {
    const gpt = model('gpt-image-2');
    expect(outputImageTokens(gpt, { quality: 'low', size: '1024x1536' })).toBe(408);
    expect(outputImageTokens(gpt, { quality: 'auto', size: '1024x1024' })).toBe(4160);
  });
});
