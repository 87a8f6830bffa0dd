import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type PresenceChannel,
  type PresenceSnapshot,
  RoutePresenceCache,
} from '../../src/health/route-presence-cache.js';
import { RoutePresenceMarks } from '../../src/health/route-presence-marks.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { listGoneRoutes, listUpstreamModels, markRouteGone } from '../../src/store/route-presence.js';

const channels: PresenceChannel[] = [
  { name: 'openai-a', models: ['gpt-a', 'gpt-b'], modelMap: { 'gpt-a': 'gpt-a-2026' } },
  { name: 'openai-b', models: ['gpt-a'], modelMap: {} },
];

const listed = (channel: string, upstreamId: string, shutdown: string | null) => ({
  channel,
  upstreamId,
  shutdown,
  firstSeen: 1,
  lastSeen: Date.parse('2026-12-06T10:00:00Z'),
  listed: true,
});

describe('the process copy of route presence', () => {
  it('gives each model the earliest shutdown its routes upstreams announced', async () => {
    const snapshot: PresenceSnapshot = {
      gone: [],
      upstreamModels: [
        listed('openai-a', 'gpt-a-2026', '2027-03-01'),
        listed('openai-b', 'gpt-a', '2027-01-15'),
        // Listed, but under an id no channel calls for gpt-a: not gpt-a's date.
        listed('openai-a', 'gpt-a', '2026-12-10'),
        listed('openai-a', 'gpt-b', null),
      ],
    };
    const cache = new RoutePresenceCache(channels, async () => snapshot);
    expect(cache.announcedShutdown('gpt-a')).toBeNull();
    await cache.reload();
    expect(cache.announcedShutdown('gpt-a')).toBe('2027-01-15');
    expect(cache.announcedShutdown('gpt-b')).toBeNull();
    expect(cache.announcedShutdowns()).toEqual([
      {
        channel: 'openai-a',
        modelId: 'gpt-a',
        upstreamId: 'gpt-a-2026',
        shutdown: '2027-03-01',
        seenAt: '2026-12-06T10:00:00.000Z',
      },
      expect.objectContaining({ channel: 'openai-b', modelId: 'gpt-a', shutdown: '2027-01-15' }),
    ]);
  });

  it('keeps its own mark over a reload that read the store before the mark landed', async () => {
    let clock = 1000;
    let stored: PresenceSnapshot = { gone: [], upstreamModels: [] };
    let release: (() => void) | undefined;
    const cache = new RoutePresenceCache(
      channels,
      async () => {
        const read = stored;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return read;
      },
      () => clock,
    );
    const reloading = cache.reload();
    const committed = cache.apply('openai-a', 'gpt-a', {
      channel: 'openai-a',
      modelId: 'gpt-a',
      upstreamId: 'gpt-a-2026',
      reason: 'not_found',
      source: 'live',
      since: new Date(clock).toISOString(),
      detail: 'seen',
    });
    clock = 1500;
    committed();
    release?.();
    await reloading;
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(true);
    // A reload begun after the mark landed takes the store's word: here, another process cleared it.
    clock = 2000;
    stored = { gone: [], upstreamModels: [] };
    const later = cache.reload();
    release?.();
    await later;
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(false);
  });

  it('skips stored marks written with words it does not know', async () => {
    const cache = new RoutePresenceCache(channels, async () => ({
      gone: [
        {
          channel: 'openai-a',
          model: 'gpt-b',
          upstreamId: 'gpt-b',
          reason: 'vanished',
          source: 'sync',
          since: 1,
          detail: '',
          updatedAt: 1,
        },
      ],
      upstreamModels: [],
    }));
    await cache.reload();
    expect(cache.goneRoutes()).toEqual([]);
  });
});

describe('writing route presence', () => {
  let store: StoreDatabase;
  let cache: RoutePresenceCache;
  let marks: RoutePresenceMarks;
  beforeEach(async () => {
    store = await openDatabase(':memory:', '/nonexistent');
    await migrateToLatest(store.db);
    cache = new RoutePresenceCache(channels, async () => ({
      gone: await listGoneRoutes(store.db),
      upstreamModels: await listUpstreamModels(store.db),
    }));
    marks = new RoutePresenceMarks(store.db, { cache });
  });
  afterEach(() => store.close());

  const notFound = {
    channel: 'openai-a',
    modelId: 'gpt-a',
    upstreamId: 'gpt-a-2026',
    reason: 'not_found' as const,
    source: 'live' as const,
    detail: 'the upstream answered NOT_FOUND',
  };

  it('marks a route gone in the store and in this process at once', async () => {
    const marking = marks.markGone(notFound);
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(true);
    await marking;
    expect(await listGoneRoutes(store.db)).toEqual([
      expect.objectContaining({ channel: 'openai-a', model: 'gpt-a', reason: 'not_found', source: 'live' }),
    ]);
  });

  it('lets a retest clear a NOT_FOUND mark but not a sync absence', async () => {
    await marks.markGone(notFound);
    expect(await marks.markFound('openai-a', 'gpt-a', ['not_found'])).toBe('not_found');
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(false);
    await marks.markGone({ ...notFound, reason: 'not_listed', source: 'sync' });
    expect(await marks.markFound('openai-a', 'gpt-a', ['not_found'])).toBeUndefined();
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(true);
    expect(await listGoneRoutes(store.db)).toHaveLength(1);
  });

  it('clears a mark another process wrote, which this one has not read yet', async () => {
    await markRouteGone(store.db, {
      channel: 'openai-b',
      model: 'gpt-a',
      upstreamId: 'gpt-a',
      reason: 'not_listed',
      source: 'sync',
      since: 1,
      detail: 'elsewhere',
    });
    expect(await marks.markFound('openai-b', 'gpt-a', ['not_listed', 'not_found'])).toBe('not_listed');
    expect(await listGoneRoutes(store.db)).toEqual([]);
  });

  it('reports a failed write and keeps the mark in this process', async () => {
    const failures: unknown[] = [];
    const broken = new RoutePresenceMarks(store.db, { cache, onError: (error) => failures.push(error) });
    await store.db.schema.dropTable('route_gone').execute();
    await broken.markGone(notFound);
    expect(failures).toHaveLength(1);
    expect(cache.isGone('openai-a', 'gpt-a')).toBe(true);
  });
});
