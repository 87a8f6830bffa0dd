// Health verdicts: per route (model × channel × door) from the latest retests, live traffic and the
// circuit breaker; per model from its routes; and which model to recommend. Pure, thresholds below.
import type { CircuitState } from '../routing/circuit-breaker.js';
import type { LiveStats } from './live-traffic.js';

export type Verdict = 'stable' | 'degraded' | 'unhealthy' | 'unknown';

export const verdictThresholds = {
  /** Live traffic window read by the status page. */
  liveWindowMinutes: 60,
  /** Fewer live requests than this say nothing either way. */
  minLiveRequests: 10,
  /** Live success rate at or above: stable; below: degraded. */
  stableSuccessRate: 0.95,
  /** Live success rate below: unhealthy. */
  unhealthySuccessRate: 0.5,
  /** This many failed retests in a row (newest first): unhealthy; one: degraded. */
  consecutiveFailuresUnhealthy: 2,
  /** A failure among this many latest retests keeps a passing route at degraded. */
  recentRetests: 5,
  /** A latest retest older than this no longer vouches for the route: degraded. */
  staleRetestHours: 24,
  /** p95 latency above this: degraded. */
  slowP95Ms: 60_000,
} as const;

export interface RetestEvidence {
  at: number;
  outcome: string;
  doorAvailable: boolean;
}

export interface RouteEvidence {
  /** Newest first. */
  retests: readonly RetestEvidence[];
  live?: LiveStats;
  circuit?: CircuitState;
}

export interface RouteVerdict {
  verdict: Verdict;
  /** False when the door is not part of this build; such routes do not count for the model. */
  doorAvailable: boolean;
  reasons: string[];
}

const severity: Record<Verdict, number> = { unknown: 0, stable: 1, degraded: 2, unhealthy: 3 };

function worse(left: Verdict, right: Verdict): Verdict {
  return severity[right] > severity[left] ? right : left;
}

export function routeVerdict(evidence: RouteEvidence, now: number): RouteVerdict {
  const limits = verdictThresholds;
  const latest = evidence.retests[0];
  if (latest && !latest.doorAvailable) {
    return {
      verdict: 'unknown',
      doorAvailable: false,
      reasons: ['this front door is not available in this build'],
    };
  }
  const live = evidence.live && evidence.live.requests >= limits.minLiveRequests ? evidence.live : undefined;
  if (!latest && !live && (evidence.circuit ?? 'closed') === 'closed') {
    return {
      verdict: 'unknown',
      doorAvailable: true,
      reasons: ['not retested yet and too little live traffic'],
    };
  }
  let verdict: Verdict = 'stable';
  const reasons: string[] = [];
  const flag = (level: Verdict, reason: string) => {
    verdict = worse(verdict, level);
    reasons.push(reason);
  };
  if (latest) {
    const consecutive = evidence.retests.findIndex((retest) => retest.outcome === 'pass');
    const failuresInRow = consecutive === -1 ? evidence.retests.length : consecutive;
    const recent = evidence.retests.slice(0, limits.recentRetests);
    const recentFailures = recent.filter((retest) => retest.outcome !== 'pass').length;
    if (failuresInRow >= limits.consecutiveFailuresUnhealthy) {
      flag('unhealthy', `the last ${failuresInRow} retests failed (latest: ${latest.outcome})`);
    } else if (failuresInRow === 1) {
      flag('degraded', `the latest retest failed: ${latest.outcome}`);
    } else if (recentFailures > 0) {
      flag('degraded', `${recentFailures} of the last ${recent.length} retests failed`);
    }
    const ageHours = (now - latest.at) / 3_600_000;
    if (ageHours > limits.staleRetestHours)
      flag('degraded', `the latest retest is ${Math.round(ageHours)} h old`);
  } else {
    reasons.push('not retested yet; judged on live traffic');
  }
  if (evidence.circuit === 'open') flag('unhealthy', 'the circuit breaker is open');
  if (evidence.circuit === 'half_open') flag('degraded', 'the circuit breaker is probing (half-open)');
  if (live) {
    const rate = `${Math.round(live.successRate * 1000) / 10}%`;
    if (live.successRate < limits.unhealthySuccessRate) flag('unhealthy', `live success rate ${rate}`);
    else if (live.successRate < limits.stableSuccessRate) flag('degraded', `live success rate ${rate}`);
    if (live.p95Ms > limits.slowP95Ms) flag('degraded', `p95 latency ${Math.round(live.p95Ms / 1000)} s`);
  }
  if (verdict === 'stable' && latest) reasons.unshift('the latest retest passed the pixel checks');
  return { verdict, doorAvailable: true, reasons };
}

/** All available routes stable: stable; none stable or degraded: unhealthy; no data: unknown. */
export function modelVerdict(routes: readonly RouteVerdict[]): Verdict {
  const known = routes.filter((route) => route.doorAvailable && route.verdict !== 'unknown');
  if (known.length === 0) return 'unknown';
  if (known.every((route) => route.verdict === 'stable')) return 'stable';
  if (known.some((route) => route.verdict === 'stable' || route.verdict === 'degraded')) return 'degraded';
  return 'unhealthy';
}

export interface RecommendationCandidate {
  id: string;
  verdict: Verdict;
  /** The lifecycle status today (stable, controlled, deprecated, retired, disabled). */
  catalogStatus: string;
  /** The model the lifecycle service recommends (the catalog's, or its live successor). */
  recommended: boolean;
  /** The offline engine passes trivially; it is recommended only when nothing else works. */
  offline: boolean;
}

/**
 * The best working model: stable first (then degraded), real upstreams before the offline engine,
 * the recommended one first, `stable` before `controlled`. A model with a shutdown ahead is left
 * out while a real model without one works; retired and disabled models never count.
 */
export function recommendModel(candidates: readonly RecommendationCandidate[]): string | undefined {
  const rank = (candidate: RecommendationCandidate): number[] => [
    candidate.verdict === 'stable' ? 0 : 1,
    candidate.offline ? 1 : 0,
    candidate.recommended ? 0 : 1,
    candidate.catalogStatus === 'stable' ? 0 : 1,
  ];
  const working = candidates.filter(
    (candidate) =>
      (candidate.verdict === 'stable' || candidate.verdict === 'degraded') &&
      candidate.catalogStatus !== 'disabled' &&
      candidate.catalogStatus !== 'retired',
  );
  const lasting = working.filter((candidate) => candidate.catalogStatus !== 'deprecated');
  const pool = lasting.some((candidate) => !candidate.offline) ? lasting : working;
  const usable = pool.map((candidate) => ({
    candidate,
    key: [...rank(candidate), candidates.indexOf(candidate)],
  }));
  usable.sort((left, right) => {
    for (let position = 0; position < left.key.length; position += 1) {
      if (left.key[position] !== right.key[position]) return left.key[position] - right.key[position];
    }
    return 0;
  });
  return usable[0]?.candidate.id;
}

/** The advice shown next to one model. */
export function modelAdvice(modelId: string, verdict: Verdict, best: string | undefined): string {
  const instead =
    best && best !== modelId ? `use ${best} instead` : 'no other model passes retests right now';
  switch (verdict) {
    case 'stable':
      return best === undefined || best === modelId ? `use ${modelId}` : `works; ${best} is recommended`;
    case 'degraded':
      return best && best !== modelId ? `usable with failover; prefer ${best}` : `usable with failover`;
    case 'unhealthy':
      return `avoid; ${instead}`;
    case 'unknown':
      return `not retested yet; run: imagegate retest --model ${modelId}`;
  }
}
