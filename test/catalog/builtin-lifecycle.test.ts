// Audits the built-in catalog's lifecycle data: every fact has a dated source, no model is left past
// its shutdown without a way on, successors lead somewhere live, per-image prices match the tokens.
import { describe, expect, it } from 'vitest';
import { type CatalogModel, loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { lifecycleOf } from '../../src/catalog/lifecycle.js';

/** The day the catalog's facts were last checked; audits run "as of" a day so they stay repeatable. */
const checkedOn = '2026-12-06';

const catalog = loadBuiltinCatalog();
const models = catalog.list();

/** Half a cent: a published per-image price is the token cost rounded to the cent or finer. */
const centRounding = 0.005;

function sourceProblems(model: CatalogModel, today: string): string[] {
  const problems: string[] = [];
  // The local engine's facts are this repository's own (docs/local-engine.md); there is no page to cite.
  const needsSources = model.family !== 'local';
  const covered = new Set(model.sources.flatMap((source) => source.covers));
  for (const topic of ['prices', 'lifecycle'] as const) {
    if (needsSources && !covered.has(topic)) problems.push(`${model.id}: no source covers ${topic}`);
  }
  for (const source of model.sources) {
    if (source.checked > today)
      problems.push(`${model.id}: ${source.url} checked ${source.checked}, after ${today}`);
  }
  if (model.released === null) problems.push(`${model.id}: no released date`);
  else if (model.released > today) problems.push(`${model.id}: released ${model.released}, after ${today}`);
  if (model.deprecated !== null && model.deprecated > today) {
    problems.push(`${model.id}: deprecated ${model.deprecated}, after ${today}`);
  }
  return problems;
}

/** A retired model needs a successor, unless its status says outright that it is retired. */
function strandedProblems(list: readonly CatalogModel[], today: string): string[] {
  return list
    .filter((model) => lifecycleOf(model, today).status === 'retired')
    .filter((model) => model.successor === null && model.status !== 'retired')
    .map((model) => `${model.id}: past its shutdown ${model.shutdown} with no successor`);
}

/** Follows each successor chain: every link must exist, no cycle, and the end must still be served. */
function successorProblems(list: readonly CatalogModel[], today: string): string[] {
  const byId = new Map(list.map((model) => [model.id, model]));
  const problems: string[] = [];
  for (const start of list) {
    const seen = new Set([start.id]);
    let current = start;
    while (current.successor !== null) {
      const next = byId.get(current.successor);
      if (next === undefined) {
        problems.push(`${current.id}: successor ${current.successor} is not a catalog id`);
        break;
      }
      if (seen.has(next.id)) {
        problems.push(`${start.id}: successor chain loops back to ${next.id}`);
        break;
      }
      seen.add(next.id);
      current = next;
    }
    if (current !== start && lifecycleOf(current, today).status === 'retired') {
      problems.push(`${start.id}: successor chain ends at ${current.id}, retired with no successor`);
    }
  }
  return problems;
}

function imagePriceProblems(model: CatalogModel): string[] {
  const problems: string[] = [];
  for (const [key, published] of Object.entries(model.imagePrices)) {
    const tokens = model.imageTokens[key];
    if (tokens === undefined) {
      problems.push(`${model.id}: imagePrices.${key} has no imageTokens.${key}`);
      continue;
    }
    const fromTokens = (tokens * model.pricing.outputImage) / 1e9;
    if (Math.abs(fromTokens - Number(published)) > centRounding) {
      problems.push(`${model.id}: ${key} costs ${fromTokens.toFixed(4)} by tokens, published ${published}`);
    }
  }
  return problems;
}

/** The smallest valid entry for the synthetic catalogs that prove each audit can fail. */
function syntheticModel(id: string, fields: Partial<CatalogModel> = {}): CatalogModel {
  const [model] = models;
  if (model === undefined) throw new Error('the built-in catalog is empty');
  return { ...model, id, aliases: [], status: 'stable', shutdown: null, successor: null, ...fields };
}

describe('the built-in catalog lifecycle as of the day it was checked', () => {
  it('names dated sources for the prices and lifecycle of every model', () => {
    expect(models.flatMap((model) => sourceProblems(model, checkedOn))).toEqual([]);
  });

  it('leaves no model past its shutdown without a successor', () => {
    expect(strandedProblems(models, checkedOn)).toEqual([]);
  });

  it('points every successor at a catalog id whose chain ends at a served model', () => {
    expect(successorProblems(models, checkedOn)).toEqual([]);
  });

  it('publishes per-image prices that match image tokens times the output image price', () => {
    expect(models.flatMap(imagePriceProblems)).toEqual([]);
    expect(models.filter((model) => Object.keys(model.imagePrices).length > 0).length).toBeGreaterThan(3);
  });

  it('resolves every alias to the model that declares it', () => {
    const wrong = models.flatMap((model) =>
      model.aliases
        .filter((alias) => catalog.resolve(alias)?.id !== model.id)
        .map((alias) => `${alias} -> ${model.id}`),
    );
    expect(wrong).toEqual([]);
  });

  it('retires the preview and gpt-image-1 ids onto live successors', () => {
    const servedBy = (id: string) => {
      let current = catalog.resolve(id);
      while (
        current !== undefined &&
        lifecycleOf(current, checkedOn).status === 'retired' &&
        current.successor
      ) {
        current = catalog.resolve(current.successor);
      }
      return current?.id;
    };
    expect(servedBy('gemini-3.1-flash-image-preview')).toBe('gemini-3.1-flash-image');
    expect(servedBy('gemini-3-pro-image-preview')).toBe('gemini-3-pro-image');
    expect(servedBy('gemini-2.5-flash-image')).toBe('gemini-3.1-flash-image');
    expect(servedBy('gpt-image-1')).toBe('gpt-image-2.6-sunburst');
    expect(servedBy('gpt-image-1-mini')).toBe('gpt-image-2.6-flare');
    expect(servedBy('chatgpt-image-latest')).toBe('gpt-image-2.6-sunburst');
  });
});

describe('the lifecycle audits themselves', () => {
  it('flag a source checked after the audit day and a missing price source', () => {
    const model = syntheticModel('future-source', {
      released: '2026-01-01',
      sources: [{ url: 'https://example.com/x', checked: '2026-12-07', covers: ['lifecycle'] }],
    });
    expect(sourceProblems(model, checkedOn)).toEqual([
      'future-source: no source covers prices',
      'future-source: https://example.com/x checked 2026-12-07, after 2026-12-06',
    ]);
  });

  it('treat the same shutdown as stranded only once the audit day reaches it', () => {
    const list = [syntheticModel('old', { shutdown: '2026-12-01' })];
    expect(strandedProblems(list, '2026-11-30')).toEqual([]);
    expect(strandedProblems(list, '2026-12-01')).toEqual([
      'old: past its shutdown 2026-12-01 with no successor',
    ]);
  });

  it('catch a successor loop, a missing successor and a chain ending in a retired model', () => {
    const loop = [
      syntheticModel('a', { successor: 'b', shutdown: '2026-01-01' }),
      syntheticModel('b', { successor: 'a', shutdown: '2026-01-01' }),
    ];
    expect(successorProblems(loop, checkedOn)).toContain('a: successor chain loops back to a');
    expect(successorProblems([syntheticModel('c', { successor: 'gone' })], checkedOn)).toEqual([
      'c: successor gone is not a catalog id',
    ]);
    const deadEnd = [
      syntheticModel('d', { successor: 'e', shutdown: '2026-01-01' }),
      syntheticModel('e', { status: 'retired' }),
    ];
    expect(successorProblems(deadEnd, checkedOn)).toEqual([
      'd: successor chain ends at e, retired with no successor',
    ]);
  });

  it('reject a per-image price more than half a cent from the token cost', () => {
    const model = syntheticModel('priced', {
      imageTokens: { '1K': 1120 },
      imagePrices: { '1K': '0.080' },
      pricing: { inputText: 0, inputImage: 0, outputText: 0, thoughts: 0, outputImage: 60_000 },
    });
    expect(imagePriceProblems(model)).toEqual(['priced: 1K costs 0.0672 by tokens, published 0.080']);
  });
});
