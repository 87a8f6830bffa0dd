import { describe, expect, it } from 'vitest';
import { demotionsFrom, demotionText, RouteDemotions } from '../../src/health/route-demotions.js';
import type { RetestVerdictRow } from '../../src/store/retest-results.js';

function verdict(
  channel: string,
  door: RetestVerdictRow['door'],
  outcome: RetestVerdictRow['outcome'],
  createdAt: number,
): RetestVerdictRow {
  return { model: 'm', channel, door, outcome, createdAt };
}

describe('demoting routes from their latest retest verdicts', () => {
  it('demotes a route while any door’s newest verdict is semantic_fail or no_image', () => {
    const demoted = demotionsFrom([
      verdict('a', 'gemini', 'pass', 10),
      verdict('a', 'openai-chat', 'semantic_fail', 5),
      verdict('b', 'gemini', 'no_image', 7),
      verdict('c', 'gemini', 'pass', 3),
    ]);
    expect([...demoted.keys()].sort()).toEqual(['a\u0000m', 'b\u0000m']);
    expect(demoted.get('b\u0000m')).toMatchObject({ outcome: 'no_image', at: 7, door: 'gemini' });
  });

  it('names the outcome and its time', () => {
    const text = demotionText({ channel: 'a', model: 'm', door: 'gemini', outcome: 'semantic_fail', at: 0 });
    expect(text).toBe('demoted: latest retest semantic_fail at 1970-01-01T00:00:00.000Z (gemini door)');
  });

  it('lifts the demotion when a newer retest of the failed door passes', () => {
    const view = new RouteDemotions(async () => []);
    view.record(verdict('a', 'gemini', 'semantic_fail', 1));
    expect(view.isDemoted('a', 'm')).toBe(true);
    view.record(verdict('a', 'gemini', 'pass', 2));
    expect(view.isDemoted('a', 'm')).toBe(false);
  });

  it('keeps a verdict recorded here over an older one read back from the store', async () => {
    let stored = [verdict('a', 'gemini', 'semantic_fail', 1)];
    const view = new RouteDemotions(async () => stored);
    await view.reload();
    expect(view.isDemoted('a', 'm')).toBe(true);
    view.record(verdict('a', 'gemini', 'pass', 5));
    await view.reload(); // a slow replica's read, older than what this process just stored
    expect(view.isDemoted('a', 'm')).toBe(false);
    stored = [verdict('a', 'gemini', 'no_image', 9)]; // stored by another replica later
    await view.reload();
    expect(view.demotion('a', 'm')?.outcome).toBe('no_image');
  });
});
