import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CatalogLikeCapabilities,
  imageConfigForOpenAiSize,
  nearestAspectRatio,
  type OpenAiQuality,
  openAiQualityForImageSize,
  openAiSizeForAspectRatio,
  reportedQuality,
} from '../../src/canonical/openai-size-mapping.js';

interface Fixture {
  models: Record<string, CatalogLikeCapabilities>;
  rows: { name: string; model: string; size: string; quality: OpenAiQuality; imageConfig: object }[];
  reverse: { name: string; aspectRatio?: string; size: string | null }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/openai-images-size-mapping.json', import.meta.url), 'utf8'),
);

describe('OpenAI size and quality → Gemini imageConfig', () => {
  for (const row of fixture.rows) {
    it(row.name, () => {
      expect(imageConfigForOpenAiSize(row.size, row.quality, fixture.models[row.model])).toEqual(
        row.imageConfig,
      );
    });
  }

  it('picks the exact ratio when the model lists it', () => {
    expect(nearestAspectRatio(1600, 900, ['1:1', '16:9', '21:9'])).toBe('16:9');
  });

  it('returns no ratio when the model lists none', () => {
    expect(nearestAspectRatio(1600, 900, [])).toBeUndefined();
  });
});

describe('Gemini imageConfig → gpt-image size and quality', () => {
  for (const row of fixture.reverse) {
    it(row.name, () => {
      expect(openAiSizeForAspectRatio(row.aspectRatio) ?? null).toBe(row.size);
    });
  }

  it('asks for high quality at 2K and 4K, low at 512, and leaves 1K on auto', () => {
    expect(openAiQualityForImageSize['2K']).toBe('high');
    expect(openAiQualityForImageSize['4K']).toBe('high');
    expect(openAiQualityForImageSize['512']).toBe('low');
    expect(openAiQualityForImageSize['1K']).toBeUndefined();
  });

  it('reports an auto quality from the imageSize that was used', () => {
    expect(reportedQuality('auto', '2K')).toBe('high');
    expect(reportedQuality('auto', '1K')).toBe('medium');
    expect(reportedQuality('auto', '512')).toBe('low');
    expect(reportedQuality('standard', undefined)).toBe('medium');
    expect(reportedQuality('hd', undefined)).toBe('high');
    expect(reportedQuality('low', '4K')).toBe('low');
  });
});
