import { describe, expect, it } from 'vitest';
import type { RouteChannel } from '../../src/routing/channel.js';
import { planAttempts } from '../../src/routing/plan-attempts.js';

function channel(name: string, priority: number, weight = 1, models = ['m']): RouteChannel {
  return {
    name,
    providerType: 'gemini-compatible',
    provider: { generate: async () => ({ response: {} }), stream: async () => (async function* () {})() },
    baseUrl: 'http://127.0.0.1:1',
    apiKeys: [],
    models,
    modelMap: {},
    priority,
    weight,
    timeoutMs: 1000,
    options: {},
  };
}

const channels = [
  channel('low', 1),
  channel('high-a', 5),
  channel('high-b', 5),
  channel('other', 9, 1, ['x']),
];
const names = (plan: ReturnType<typeof planAttempts>) => plan.map((attempt) => attempt.channel.name);

describe('planning attempts', () => {
  it('orders by priority, highest first, and leaves out channels that do not serve the model', () => {
    const plan = planAttempts({ modelId: 'm', channels, isCircuitOpen: () => false, random: () => 0.5 });
    expect(names(plan).slice(0, 2).sort()).toEqual(['high-a', 'high-b']);
    expect(names(plan)[2]).toBe('low');
    expect(names(plan)).not.toContain('other');
  });

  it('skips channels whose circuit is open', () => {
    const plan = planAttempts({ modelId: 'm', channels, isCircuitOpen: (name) => name.startsWith('high') });
    expect(names(plan)).toEqual(['low']);
  });

  it('sends a pinned request to its channel even when the circuit is open (the retest is the probe)', () => {
    const plan = planAttempts({ modelId: 'm', channels, isCircuitOpen: () => true, pinnedChannel: 'high-b' });
    expect(names(plan)).toEqual(['high-b']);
  });

  it('shares traffic inside a priority by weight', () => {
    const weighted = [channel('heavy', 1, 9), channel('light', 1, 1)];
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    let heavyFirst = 0;
    for (let index = 0; index < 2000; index += 1) {
      const plan = planAttempts({ modelId: 'm', channels: weighted, isCircuitOpen: () => false, random });
      if (plan[0].channel.name === 'heavy') heavyFirst += 1;
    }
    expect(heavyFirst / 2000).toBeGreaterThan(0.85);
    expect(heavyFirst / 2000).toBeLessThan(0.95);
  });

  it('leaves a route demoted by its retest out while another route can take the request', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: () => false,
      isDemoted: (name) => name === 'high-a',
      random: () => 0.5,
    });
    expect(names(plan)).toEqual(['high-b', 'low']);
  });

  it('counts a route whose circuit is open as unable to take the request, so demoted routes come back', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: (name) => name === 'low',
      isDemoted: (name) => name.startsWith('high'),
      random: () => 0.5,
    });
    expect(names(plan).sort()).toEqual(['high-a', 'high-b']);
  });

  it('plans demoted routes in their usual order when every route is demoted', () => {
    const plan = planAttempts({ modelId: 'm', channels, isCircuitOpen: () => false, isDemoted: () => true });
    expect(names(plan)[2]).toBe('low');
    expect(names(plan)).toHaveLength(3);
  });

  it('still sends a pinned request (a retest) to a demoted route: that is how it recovers', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: () => false,
      isDemoted: (name) => name === 'low',
      pinnedChannel: 'low',
    });
    expect(names(plan)).toEqual(['low']);
  });

  it('leaves a route whose upstream lost the model out of the plan', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: () => false,
      isGone: (name) => name === 'high-a',
      random: () => 0.5,
    });
    expect(names(plan)).toEqual(['high-b', 'low']);
  });

  it('plans no gone route even as a last resort, unlike a demoted one', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: () => false,
      isGone: (name) => name !== 'low',
      isDemoted: (name) => name === 'low',
    });
    expect(names(plan)).toEqual(['low']);
    expect(planAttempts({ modelId: 'm', channels, isCircuitOpen: () => false, isGone: () => true })).toEqual(
      [],
    );
  });

  it('still sends a pinned request (a retest) to a gone route: that is how it finds the model again', () => {
    const plan = planAttempts({
      modelId: 'm',
      channels,
      isCircuitOpen: () => false,
      isGone: () => true,
      pinnedChannel: 'high-a',
    });
    expect(names(plan)).toEqual(['high-a']);
  });
});
