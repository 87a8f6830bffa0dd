import { catalogEntry } from '../helpers/test-models.js';
import { describe, expect, it } from 'vitest';
import { CatalogError, loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { usdPerMillionToNanoPerToken } from '../../src/catalog/prices.js';

const catalog = loadBuiltinCatalog();

describe('catalog overrides', () => {
  it('merges an override into the model with the same id and leaves the original catalog alone', () => {
    const overridden = catalog.withOverrides([
      { id: 'gemini-2.5-flash-image', status: 'stable', pricing: { outputImage: '35' } },
    ]);
    const flash = overridden.resolve('nano-banana');
    expect(flash?.status).toBe('stable');
    expect(flash?.pricing.outputImage).toBe(35000);
    expect(flash?.pricing.inputText).toBe(300);
    expect(flash?.capabilities.maxInputImages).toBe(3);
    expect(catalog.resolve('nano-banana')?.status).toBe('controlled');
  });

  it('adds a complete new entry after the built-in ones', () => {
    const overridden = catalog.withOverrides([
      { ...completeEntry(), id: 'my-image-model', aliases: ['mine'] },
    ]);
    expect(overridden.list().at(-1)?.id).toBe('my-image-model');
    expect(overridden.resolve('mine')?.pricing.outputImage).toBe(1500);
  });

  it('rejects an incomplete new entry, naming its index and the missing field', () => {
    const attempt = () => catalog.withOverrides([{ id: 'brand-new', family: 'gemini' }]);
    expect(attempt).toThrow(CatalogError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as CatalogError).issues;
      expect(issues.some((issue) => issue.path[0] === 0 && issue.path[1] === 'displayName')).toBe(true);
    }
  });

  it('rejects an alias that another model already uses', () => {
    expect(() => catalog.withOverrides([{ id: 'gpt-image-1', aliases: ['nano-banana'] }])).toThrow(
      /already used by model gemini-2.5-flash-image/,
    );
  });

  it('rejects a price with more precision than a nano-USD', () => {
    expect(() => catalog.withOverrides([{ id: 'gpt-image-1', pricing: { inputText: '0.0375' } }])).toThrow(
      /pricing\.inputText/,
    );
  });
});

describe('price conversion', () => {
  it('converts decimal strings exactly', () => {
    expect(usdPerMillionToNanoPerToken('0.30')).toBe(300);
    expect(usdPerMillionToNanoPerToken('60')).toBe(60000);
    expect(usdPerMillionToNanoPerToken('2.50')).toBe(2500);
    expect(usdPerMillionToNanoPerToken('0.125')).toBe(125);
    expect(usdPerMillionToNanoPerToken('0.1250')).toBe(125);
  });

  it('refuses negative, malformed or too precise prices', () => {
    expect(usdPerMillionToNanoPerToken('-1')).toBeUndefined();
    expect(usdPerMillionToNanoPerToken('1e-3')).toBeUndefined();
    expect(usdPerMillionToNanoPerToken('0.0001')).toBeUndefined();
  });
});

function completeEntry(): Record<string, unknown> {
  const { id: _id, ...fields } = catalogEntry('unused', { displayName: 'My image model' });
  return fields;
}
