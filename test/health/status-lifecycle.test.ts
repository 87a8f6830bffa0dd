import { catalogEntry } from '../helpers/test-models.js';
import { describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src/catalog/catalog.js';
import { ModelLifecycle, type RetiredPolicy } from '../../src/catalog/served-model.js';
import { statusReportMarkdown } from '../../src/health/report-markdown.js';
import type { GoneRoute, RoutePresenceView, UpstreamShutdown } from '../../src/health/route-presence.js';
import { buildStatusDocument, type StatusInputs } from '../../src/health/status-model.js';
import type { StoredRetest } from '../../src/store/retest-results.js';
import { renderStatusPage } from '../../src/web/status-page.js';

const now = Date.parse('2026-12-06T09:00:00Z');

const catalog = new ModelCatalog([
  catalogEntry('image-ga', { released: '2026-05-28' }),
  catalogEntry('image-preview', { released: '2026-02-26', shutdown: '2026-06-25', successor: 'image-ga' }),
  catalogEntry('image-old', { status: 'controlled', shutdown: '2026-12-20', successor: 'image-ga' }),
  // The catalog still recommends it; its upstream's list has announced a shutdown.
  catalogEntry('image-pro', { recommended: true, released: '2026-05-28' }),
  catalogEntry('image-orphan', { shutdown: '2026-01-10' }),
  catalogEntry('image-unrouted-preview', { shutdown: '2026-03-01', successor: 'image-unrouted' }),
  catalogEntry('image-unrouted'),
  catalogEntry('engine', { family: 'local' }),
]);

const channels = [
  { name: 'main', models: ['image-ga', 'image-preview', 'image-old', 'image-pro', 'image-orphan'] },
  { name: 'backup', models: ['image-ga', 'image-pro'] },
  { name: 'local', models: ['engine'] },
];

const goneBackupGa: GoneRoute = {
  channel: 'backup',
  modelId: 'image-ga',
  upstreamId: 'image-ga-001',
  reason: 'not_listed',
  source: 'sync',
  since: '2026-12-01T08:00:00.000Z',
  detail: 'missing from the channel model list',
};
const goneBackupPro: GoneRoute = {
  ...goneBackupGa,
  modelId: 'image-pro',
  upstreamId: 'image-pro',
  reason: 'not_found',
  source: 'live',
  since: '2026-12-04T10:30:00.000Z',
  detail: 'NOT_FOUND on a live call',
};
const proShutdown: UpstreamShutdown = {
  channel: 'main',
  modelId: 'image-pro',
  upstreamId: 'image-pro',
  shutdown: '2026-12-31',
  seenAt: '2026-12-05T00:00:00.000Z',
};

/** A presence view as the store-backed one answers, from fixed lists. */
function presenceOf(gone: GoneRoute[], announced: UpstreamShutdown[]): RoutePresenceView {
  return {
    isGone: (channel, modelId) =>
      gone.some((route) => route.channel === channel && route.modelId === modelId),
    goneRoutes: () => gone,
    announcedShutdowns: () => announced,
  };
}

function passingRetests(routes: Array<[string, string]>): StoredRetest[] {
  return routes.map(([model, channel], index) => ({
    id: `rt_${index}`,
    createdAt: now - 60_000,
    model,
    channel,
    door: 'gemini',
    outcome: 'pass',
    errorClass: null,
    latencyMs: 900,
    usage: null,
    billedMicros: null,
    expectedMicros: null,
    details: {},
    hasInputThumb: false,
    hasOutputThumb: false,
  }));
}

const everyRoutePasses = passingRetests(
  channels.flatMap((channel) => channel.models.map((model): [string, string] => [model, channel.name])),
);

function inputs(overrides: Partial<StatusInputs> & { policy?: RetiredPolicy } = {}): StatusInputs {
  const { policy = 'successor', ...rest } = overrides;
  return {
    now,
    lifecycle: new ModelLifecycle(catalog, policy, undefined, () => now),
    presence: presenceOf([goneBackupGa, goneBackupPro], [proShutdown]),
    channels,
    doors: ['gemini'],
    retests: everyRoutePasses,
    traffic: new Map(),
    circuits: [],
    billing: new Map(),
    ...rest,
  };
}

const modelOf = (document: ReturnType<typeof buildStatusDocument>, id: string) => {
  const model = document.models.find((entry) => entry.id === id);
  if (!model) throw new Error(`no card for ${id}`);
  return model;
};

describe('status lifecycle', () => {
  it('lists a retired id apart, served by its live successor, and gives it no model card', () => {
    const document = buildStatusDocument(inputs());
    expect(document.models.map((model) => model.id)).toEqual([
      'image-ga',
      'image-old',
      'image-pro',
      'engine',
    ]);
    const preview = document.retiredIds.find((retired) => retired.id === 'image-preview');
    expect(preview?.lifecycle).toMatchObject({
      status: 'retired',
      released: '2026-02-26',
      shutdown: '2026-06-25',
      daysLeft: null,
      shutdownSource: 'catalog',
      successor: 'image-ga',
      servedBy: 'image-ga',
      summary: 'retired 2026-06-25, served by image-ga',
    });
  });

  it('says a retired id is refused and names the successor under the reject policy', () => {
    const document = buildStatusDocument(inputs({ policy: 'reject' }));
    const preview = document.retiredIds.find((retired) => retired.id === 'image-preview');
    expect(preview?.lifecycle.servedBy).toBeNull();
    expect(preview?.lifecycle.summary).toBe('retired 2026-06-25, refused; use image-ga');
  });

  it('lists a retired id a channel names even when nothing succeeds it, and leaves out unreachable ones', () => {
    const document = buildStatusDocument(inputs());
    const orphan = document.retiredIds.find((retired) => retired.id === 'image-orphan');
    expect(orphan?.lifecycle.summary).toBe('retired 2026-01-10, refused; nothing succeeds it');
    expect(document.retiredIds.map((retired) => retired.id)).not.toContain('image-unrouted-preview');
  });

  it('counts the days left to a catalog shutdown on the injected day', () => {
    const old = modelOf(buildStatusDocument(inputs()), 'image-old');
    expect(old.lifecycle).toMatchObject({
      status: 'deprecated',
      shutdown: '2026-12-20',
      daysLeft: 14,
      shutdownSource: 'catalog',
      successor: 'image-ga',
      servedBy: 'image-old',
    });
    expect(old.lifecycle.summary).toBe(
      'deprecated: shuts down 2026-12-20 (14 days left); successor image-ga',
    );
    expect(old.catalogStatus).toBe('controlled');
    expect(old.advice).toBe('move to image-ga before 2026-12-20');
    const dayBefore = buildStatusDocument(
      inputs({
        lifecycle: new ModelLifecycle(catalog, 'successor', undefined, () =>
          Date.parse('2026-12-19T23:59:00Z'),
        ),
      }),
    );
    expect(modelOf(dayBefore, 'image-old').lifecycle.summary).toMatch(/\(1 day left\)/);
    const dayOf = buildStatusDocument(
      inputs({
        lifecycle: new ModelLifecycle(catalog, 'successor', undefined, () =>
          Date.parse('2026-12-20T00:00:00Z'),
        ),
      }),
    );
    expect(dayOf.models.map((model) => model.id)).not.toContain('image-old');
    expect(dayOf.retiredIds.find((retired) => retired.id === 'image-old')?.lifecycle.summary).toBe(
      'retired 2026-12-20, served by image-ga',
    );
  });

  it('makes a model deprecated on a shutdown date its upstream announced, naming where it came from', () => {
    const pro = modelOf(buildStatusDocument(inputs()), 'image-pro');
    expect(pro.lifecycle).toMatchObject({
      status: 'deprecated',
      shutdown: '2026-12-31',
      daysLeft: 25,
      shutdownSource: 'upstream',
      announcedBy: ['main'],
      successor: null,
    });
    expect(pro.lifecycle.summary).toBe(
      'deprecated: shuts down 2026-12-31 (25 days left), announced in the model list of main',
    );
    const quiet = buildStatusDocument(inputs({ presence: presenceOf([], []) }));
    expect(modelOf(quiet, 'image-pro').lifecycle.summary).toBe('stable, released 2026-05-28');
  });

  it('shows a gone route as retired upstream or not found, and does not count it as working', () => {
    const document = buildStatusDocument(inputs());
    const ga = modelOf(document, 'image-ga');
    expect(ga.goneRoutes).toEqual([
      expect.objectContaining({
        channel: 'backup',
        label: 'retired upstream',
        summary: 'not listed by backup since 2026-12-01',
      }),
    ]);
    const backup = ga.routes.find((route) => route.channel === 'backup');
    expect(backup?.verdict).toBe('unhealthy');
    expect(backup?.routing).toBe('skipped: retired upstream (not listed by backup since 2026-12-01)');
    // The retests through backup passed before it went; the model stays stable on main alone.
    expect(ga.verdict).toBe('stable');
    const pro = modelOf(document, 'image-pro');
    expect(pro.goneRoutes[0]).toMatchObject({
      label: 'model not found upstream',
      summary: 'backup answers not found for image-pro since 2026-12-04',
      source: 'live',
    });
  });

  it('calls a model unhealthy when every route to it is gone', () => {
    const allGone = presenceOf([goneBackupGa, { ...goneBackupGa, channel: 'main' }], []);
    const document = buildStatusDocument(inputs({ presence: allGone }));
    const ga = modelOf(document, 'image-ga');
    expect(document.headline).toContain('showed: image-ga is gone upstream on every route (unhealthy); ');
    expect(ga.verdict).toBe('unhealthy');
    expect(ga.status).toBe('unhealthy');
    expect(ga.lifecycle.status).toBe('stable');
  });

  it('recommends the stable model over a recommended one whose shutdown is ahead', () => {
    const document = buildStatusDocument(inputs());
    expect(document.recommendation).toBe('use image-ga');
    expect(document.headline).toMatch(
      /^As of 2026-12-06, the latest retest showed: .*\. Recommendation: use image-ga\.$/,
    );
    const gaGone = presenceOf([goneBackupGa, { ...goneBackupGa, channel: 'main' }], [proShutdown]);
    // With the stable model gone everywhere, a deprecated one that works beats the offline engine.
    const fallback = buildStatusDocument(inputs({ presence: gaGone }));
    expect(fallback.recommendation).toBe('use image-pro');
    expect(modelOf(fallback, 'image-pro').advice).toBe(
      'use image-pro; it shuts down 2026-12-31 and nothing succeeds it yet',
    );
  });

  it('follows the lifecycle service to the successor of a recommended model that retired', () => {
    // Catalog order alone would pick image-other.
    const retiring = new ModelCatalog([
      catalogEntry('image-other'),
      catalogEntry('image-next', { recommended: true, shutdown: '2026-11-30', successor: 'image-ga' }),
      catalogEntry('image-ga'),
    ]);
    const document = buildStatusDocument(
      inputs({
        lifecycle: new ModelLifecycle(retiring, 'successor', undefined, () => now),
        presence: presenceOf([], []),
        channels: [{ name: 'main', models: ['image-other', 'image-next', 'image-ga'] }],
        retests: passingRetests([
          ['image-other', 'main'],
          ['image-ga', 'main'],
        ]),
      }),
    );
    expect(document.recommendation).toBe('use image-ga');
    expect(document.retiredIds.map((retired) => retired.id)).toEqual(['image-next']);
  });

  it('writes the lifecycle lines and gone routes into the markdown report', () => {
    const markdown = statusReportMarkdown(buildStatusDocument(inputs()));
    expect(markdown).toContain('- image-ga: stable, released 2026-05-28\n');
    expect(markdown).toContain(
      '- image-old: deprecated: shuts down 2026-12-20 (14 days left); successor image-ga\n',
    );
    expect(markdown).toContain('- image-preview: retired 2026-06-25, served by image-ga\n');
    expect(markdown).toContain(
      '- backup via Gemini native: **retired upstream**, not listed by backup since 2026-12-01; skipped by routing',
    );
    expect(markdown.indexOf('## Lifecycle')).toBeLessThan(markdown.indexOf('## image-ga'));
  });

  it('renders lifecycles, shutdowns ahead, gone routes and retired ids on the page', () => {
    const page = renderStatusPage(buildStatusDocument(inputs()));
    expect(page).toContain('<tbody class="model" data-model="image-old" data-lifecycle="deprecated">');
    expect(page).toMatch(
      /<li><code>image-old<\/code> shuts down 2026-12-20 \(14 days left\): move to <code>image-ga<\/code><\/li>/,
    );
    expect(page).toContain('date from the model list of main');
    expect(page).toContain(
      '<tr class="route gone" data-model="image-ga" data-channel="backup" data-door="gemini">',
    );
    expect(page).toContain('<td class="answer">served by image-ga</td>');
    expect(page).not.toContain('data-model="image-preview" data-lifecycle');
  });
});
