// Which routes (channel, model) the latest retests say answer without an image or with a wrong one.
// Such a route is demoted: live traffic goes to it only when no other route can take the request,
// until a retest of it passes again (retests still reach it: they pin their route). The verdicts
// live in the store (retest_results, shared by every replica and by `imagegate retest`); this view
// keeps them in memory for the planner, updated as this process stores a retest and reloaded on a
// timer for the ones stored elsewhere.
import type { RetestVerdictRow } from '../store/retest-results.js';

export interface RouteDemotion {
  channel: string;
  model: string;
  door: string;
  outcome: 'semantic_fail' | 'no_image';
  at: number;
}

const routeKey = (channel: string, model: string) => `${channel}\u0000${model}`;
const doorKey = (verdict: RetestVerdictRow) =>
  `${verdict.channel}\u0000${verdict.model}\u0000${verdict.door}`;

/**
 * The demoted routes, from the newest image verdict of each door: a route is demoted while any door's
 * newest verdict is a failure (a passing retest on every failed door lifts it). Pure.
 */
export function demotionsFrom(verdicts: Iterable<RetestVerdictRow>): Map<string, RouteDemotion> {
  const demoted = new Map<string, RouteDemotion>();
  for (const verdict of verdicts) {
    if (verdict.outcome === 'pass') continue;
    const key = routeKey(verdict.channel, verdict.model);
    const current = demoted.get(key);
    if (current && current.at >= verdict.createdAt) continue;
    demoted.set(key, {
      channel: verdict.channel,
      model: verdict.model,
      door: verdict.door,
      outcome: verdict.outcome,
      at: verdict.createdAt,
    });
  }
  return demoted;
}

/** "demoted: latest retest semantic_fail at 2026-12-01T10:00:00.000Z" */
export function demotionText(demotion: RouteDemotion): string {
  return `demoted: latest retest ${demotion.outcome} at ${new Date(demotion.at).toISOString()} (${demotion.door} door)`;
}

export class RouteDemotions {
  /** Newest verdict per (channel, model, door). */
  private readonly verdicts = new Map<string, RetestVerdictRow>();
  private demoted = new Map<string, RouteDemotion>();

  constructor(private readonly loadVerdicts: () => Promise<RetestVerdictRow[]>) {}

  demotion(channel: string, model: string): RouteDemotion | undefined {
    return this.demoted.get(routeKey(channel, model));
  }

  isDemoted(channel: string, model: string): boolean {
    return this.demoted.has(routeKey(channel, model));
  }

  list(): RouteDemotion[] {
    return [...this.demoted.values()];
  }

  /** A verdict this process just stored. */
  record(verdict: RetestVerdictRow): void {
    this.merge([verdict]);
  }

  /** Reads the stored verdicts again; a newer one already in memory is kept. */
  async reload(): Promise<void> {
    this.merge(await this.loadVerdicts());
  }

  private merge(verdicts: readonly RetestVerdictRow[]): void {
    for (const verdict of verdicts) {
      const key = doorKey(verdict);
      const known = this.verdicts.get(key);
      if (!known || known.createdAt <= verdict.createdAt) this.verdicts.set(key, verdict);
    }
    this.demoted = demotionsFrom(this.verdicts.values());
  }
}
