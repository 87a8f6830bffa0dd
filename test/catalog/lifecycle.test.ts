import { catalogEntry } from '../helpers/test-models.js';
import { describe, expect, it } from 'vitest';
import { loadBuiltinCatalog, ModelCatalog } from '../../src/catalog/catalog.js';
import { daysBetween, describeLifecycle, lifecycleOf, todayUtc } from '../../src/catalog/lifecycle.js';
import { ModelLifecycle, RetiredModelError, serveModel } from '../../src/catalog/served-model.js';
import { allowsModel } from '../../src/routing/validate-request.js';
import { servedModelHeaders } from '../../src/pipeline/served-model-headers.js';

const builtin = loadBuiltinCatalog();

/** a (retired 2026-01-01) → b (retired 2026-06-01) → c (live); d deprecated for 2026-12-20. */
const chain = new ModelCatalog([
  catalogEntry('a', { shutdown: '2026-01-01', successor: 'b' }),
  catalogEntry('b', { shutdown: '2026-06-01', successor: 'c', deprecated: '2026-03-01' }),
  catalogEntry('c', { recommended: true }),
  catalogEntry('d', { shutdown: '2026-12-20', successor: 'c' }),
  catalogEntry('e', { status: 'retired' }),
  catalogEntry('f', { status: 'disabled', shutdown: '2026-01-01' }),
]);
const model = (id: string) => {
  const found = chain.resolve(id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

describe('a model lifecycle', () => {
  it('is retired on and after its shutdown day, deprecated before it', () => {
    expect(lifecycleOf(model('d'), '2026-12-19').status).toBe('deprecated');
    expect(lifecycleOf(model('d'), '2026-12-20').status).toBe('retired');
    expect(lifecycleOf(model('d'), '2026-12-06')).toEqual({
      status: 'deprecated',
      shutdown: '2026-12-20',
      daysLeft: 14,
      announcedUpstream: false,
    });
  });

  it('keeps disabled over every date and retired when the catalog says so without a date', () => {
    expect(lifecycleOf(model('f'), '2026-12-06').status).toBe('disabled');
    expect(lifecycleOf(model('e'), '2026-12-06').status).toBe('retired');
    expect(lifecycleOf(model('c'), '2026-12-06').status).toBe('stable');
  });

  it('takes the earlier of the catalog date and one an upstream announced', () => {
    expect(lifecycleOf(model('c'), '2026-12-06', '2027-01-15')).toMatchObject({
      status: 'deprecated',
      shutdown: '2027-01-15',
      announcedUpstream: true,
    });
    expect(lifecycleOf(model('d'), '2026-12-06', '2027-01-15')).toMatchObject({
      shutdown: '2026-12-20',
      announcedUpstream: false,
    });
  });

  it('words the days left and the retirement date', () => {
    expect(describeLifecycle(lifecycleOf(model('d'), '2026-12-19'))).toBe(
      'deprecated: shuts down 2026-12-20 (1 day left)',
    );
    expect(describeLifecycle(lifecycleOf(model('a'), '2026-12-06'))).toBe('retired 2026-01-01');
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(todayUtc(Date.parse('2026-12-06T23:59:59Z'))).toBe('2026-12-06');
  });
});

describe('the model that serves a request', () => {
  const today = '2026-12-06';

  it('follows retired successors to the first live one', () => {
    const served = serveModel(chain, model('a'), { today, policy: 'successor' });
    expect(served.served.id).toBe('c');
    expect(served.requested.id).toBe('a');
    expect(served.lifecycle.status).toBe('retired');
  });

  it('serves a deprecated model itself', () => {
    expect(serveModel(chain, model('d'), { today, policy: 'successor' }).served.id).toBe('d');
  });

  it('refuses a retired id under the reject policy, naming the live successor', () => {
    const refused = () => serveModel(chain, model('a'), { today, policy: 'reject' });
    expect(refused).toThrow(RetiredModelError);
    expect(refused).toThrow('Model "a" was shut down on 2026-01-01. Use "c" instead.');
  });

  it('refuses a retired id with no successor whatever the policy', () => {
    expect(() => serveModel(chain, model('e'), { today, policy: 'successor' })).toThrow(
      'Model "e" was shut down and has no successor on this gateway.',
    );
  });

  it('retires a model on the date an upstream list announced', () => {
    const lifecycle = new ModelLifecycle(
      chain,
      'successor',
      { announcedShutdown: (id) => (id === 'd' ? '2026-12-01' : null) },
      () => Date.parse('2026-12-06T12:00:00Z'),
    );
    expect(lifecycle.serve(model('d')).served.id).toBe('c');
  });

  it('recommends the marked model while it lives, then its successor', () => {
    const now = () => Date.parse('2026-12-06T00:00:00Z');
    expect(new ModelLifecycle(chain, 'successor', undefined, now).recommended()?.id).toBe('c');
    const moved = chain.withOverrides([
      { id: 'c', recommended: false },
      { id: 'b', recommended: true },
    ]);
    expect(new ModelLifecycle(moved, 'successor', undefined, now).recommended()?.id).toBe('c');
  });

  it('serves the built-in preview ids by their GA successors today', () => {
    const lifecycle = new ModelLifecycle(builtin, 'successor', undefined, () =>
      Date.parse('2026-12-06T00:00:00Z'),
    );
    for (const [requested, served] of [
      ['gemini-3.1-flash-image-preview', 'gemini-3.1-flash-image'],
      ['gemini-3-pro-image-preview', 'gemini-3-pro-image'],
    ]) {
      const found = builtin.resolve(requested);
      expect(found).toBeDefined();
      if (found) expect(lifecycle.serve(found).served.id).toBe(served);
    }
    expect(lifecycle.recommended()?.id).toBe('gemini-nano-banana-2.1');
  });
});

describe('catalog successors', () => {
  it('rejects a successor that is not a model id', () => {
    expect(() => new ModelCatalog([catalogEntry('x', { successor: 'nowhere' })])).toThrow(
      'models[0].successor: successor "nowhere" is not a model in the catalog',
    );
    expect(
      () =>
        new ModelCatalog([catalogEntry('x', { aliases: ['ex'] }), catalogEntry('y', { successor: 'ex' })]),
    ).toThrow('successor must be a model id, not the alias "ex": use x');
  });

  it('rejects successors that loop', () => {
    expect(
      () => new ModelCatalog([catalogEntry('x', { successor: 'y' }), catalogEntry('y', { successor: 'x' })]),
    ).toThrow('successors loop');
  });

  it('rejects a date that is not YYYY-MM-DD', () => {
    expect(() => new ModelCatalog([catalogEntry('x', { shutdown: 'June 25' })])).toThrow(
      'models[0].shutdown: expected a date as YYYY-MM-DD',
    );
  });
});

describe('a key limited to some models', () => {
  it('may call the successor of a model it is allowed', () => {
    const call = { requested: model('c'), served: model('c') };
    expect(allowsModel(['a'], call, chain)).toBe(true);
    expect(allowsModel(['d'], call, chain)).toBe(true);
    expect(allowsModel(['e'], call, chain)).toBe(false);
  });

  it('may call a retired id it names, served by its successor', () => {
    expect(allowsModel(['a'], { requested: model('a'), served: model('c') }, chain)).toBe(true);
  });
});

describe('the served model headers', () => {
  const path = (id: string) => `/v1beta/models/${id}`;

  it('name the served model and, for a retired id, its deprecation, sunset and successor', () => {
    const served = serveModel(chain, model('b'), { today: '2026-12-06', policy: 'successor' });
    expect(servedModelHeaders(served, '2026-12-06', path)).toEqual({
      'x-imagegate-model': 'c',
      deprecation: `@${Date.parse('2026-03-01T00:00:00Z') / 1000}`,
      sunset: 'Mon, 01 Jun 2026 00:00:00 GMT',
      link: '</v1beta/models/c>; rel="successor-version"',
    });
  });

  it('mark a deprecated model from today when no announcement date is known', () => {
    const served = serveModel(chain, model('d'), { today: '2026-12-06', policy: 'successor' });
    expect(servedModelHeaders(served, '2026-12-06', path)).toMatchObject({
      'x-imagegate-model': 'd',
      deprecation: `@${Date.parse('2026-12-06T00:00:00Z') / 1000}`,
      sunset: 'Sun, 20 Dec 2026 00:00:00 GMT',
      link: '</v1beta/models/c>; rel="successor-version"',
    });
  });

  it('carry only the model name for a live model', () => {
    const served = serveModel(chain, model('c'), { today: '2026-12-06', policy: 'successor' });
    expect(servedModelHeaders(served, '2026-12-06', path)).toEqual({ 'x-imagegate-model': 'c' });
  });
});
