import { expect, it } from 'vitest';
import {
  clearRouteGone,
  listGoneRoutes,
  listUpstreamModels,
  markRouteGone,
  recordUpstreamListing,
} from '../../src/store/route-presence.js';
import { describeEachBackend } from './backends.js';

describeEachBackend('route presence', (current) => {
  it('records what a channel lists, keeps the first sighting and flags ids no longer listed', async () => {
    const { db } = current();
    await recordUpstreamListing(
      db,
      'google',
      [
        { upstreamId: 'a', shutdown: null },
        { upstreamId: 'b', shutdown: '2027-01-15' },
      ],
      1000,
    );
    await recordUpstreamListing(db, 'other', [{ upstreamId: 'a', shutdown: null }], 1500);
    await recordUpstreamListing(db, 'google', [{ upstreamId: 'a', shutdown: '2027-02-01' }], 2000);
    const rows = (await listUpstreamModels(db)).sort((left, right) =>
      `${left.channel}${left.upstreamId}`.localeCompare(`${right.channel}${right.upstreamId}`),
    );
    expect(rows).toEqual([
      {
        channel: 'google',
        upstreamId: 'a',
        shutdown: '2027-02-01',
        firstSeen: 1000,
        lastSeen: 2000,
        listed: true,
      },
      // No longer listed: its last sighting and the shutdown it carried stay.
      {
        channel: 'google',
        upstreamId: 'b',
        shutdown: '2027-01-15',
        firstSeen: 1000,
        lastSeen: 1000,
        listed: false,
      },
      { channel: 'other', upstreamId: 'a', shutdown: null, firstSeen: 1500, lastSeen: 1500, listed: true },
    ]);
  });

  it('records a list of thousands of ids in one sync', async () => {
    const { db } = current();
    const models = Array.from({ length: 2500 }, (_, index) => ({ upstreamId: `m-${index}`, shutdown: null }));
    await recordUpstreamListing(db, 'big', models, 5);
    expect(await listUpstreamModels(db)).toHaveLength(2500);
  });

  it('keeps a route gone since its first sighting while later ones update the rest', async () => {
    const { db } = current();
    const route = { channel: 'google', model: 'flash', upstreamId: 'flash-001', detail: 'first' };
    await markRouteGone(db, { ...route, reason: 'not_found', source: 'live', since: 100 });
    await markRouteGone(db, { ...route, reason: 'not_listed', source: 'sync', since: 300, detail: 'second' });
    expect(await listGoneRoutes(db)).toEqual([
      { ...route, reason: 'not_listed', source: 'sync', since: 100, detail: 'second', updatedAt: 300 },
    ]);
  });

  it('clears a gone mark only for the reasons given, and says which it cleared', async () => {
    const { db } = current();
    await markRouteGone(db, {
      channel: 'google',
      model: 'flash',
      upstreamId: 'flash',
      reason: 'not_listed',
      source: 'sync',
      since: 1,
      detail: 'not listed',
    });
    expect(await clearRouteGone(db, 'google', 'flash', ['not_found'])).toBeUndefined();
    expect(await listGoneRoutes(db)).toHaveLength(1);
    expect(await clearRouteGone(db, 'google', 'flash', [])).toBeUndefined();
    expect(await clearRouteGone(db, 'google', 'flash', ['not_listed', 'not_found'])).toBe('not_listed');
    expect(await listGoneRoutes(db)).toEqual([]);
  });
});
