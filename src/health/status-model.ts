// The status document behind GET /status, /status.json and `imagegate report`: per model its
// catalog status, verdict and advice, and per route (channel × door) the latest retest, live
// traffic, circuit, billing consistency and recent history. Pure: collect-status.ts gathers inputs.
import type { CircuitSnapshot, CircuitState } from '../routing/circuit-breaker.js';
import type { StoredRetest } from '../store/retest-results.js';
import type { BillingConsistencyView } from './billing-consistency.js';
import { type LiveStats, routeKey } from './live-traffic.js';
import type { RetestDoor } from './retest-outcome.js';
import { demotionText, type RouteDemotion } from './route-demotions.js';
import {
  modelAdvice,
  modelVerdict,
  recommendModel,
  routeVerdict,
  type Verdict,
  verdictThresholds,
} from './verdict.js';

export interface StatusRetest {
  id: string;
  at: string;
  outcome: string;
  latencyMs: number | null;
  reasons: string[];
  billedMicros: number | null;
  expectedMicros: number | null;
  /** `/status/thumbs/<id>-input.png`, or null when none was stored. */
  inputThumb: string | null;
  outputThumb: string | null;
}

export interface StatusRoute {
  channel: string;
  door: RetestDoor;
  verdict: Verdict;
  doorAvailable: boolean;
  reasons: string[];
  circuit: CircuitState;
  /**
   * Whether live traffic goes to the route: `serving`, or `demoted: latest retest semantic_fail at …`
   * (src/health/route-demotions.ts).
   */
  routing: string;
  lastRetest: StatusRetest | null;
  live: {
    requests: number;
    successRate: number | null;
    p50Ms: number | null;
    p95Ms: number | null;
    errorClasses: Record<string, number>;
  };
  billing: BillingConsistencyView;
  /** Oldest first, for the sparkline. */
  history: Array<{ at: string; outcome: string }>;
}

export interface StatusModel {
  id: string;
  displayName: string;
  catalogStatus: string;
  verdict: Verdict;
  advice: string;
  routes: StatusRoute[];
}

export interface StatusDocument {
  generatedAt: string;
  /** "As of 2026-11-25, the latest retest showed: …" */
  headline: string;
  recommendedModel: string | null;
  recommendation: string;
  liveWindowMinutes: number;
  models: StatusModel[];
}

export interface StatusInputs {
  now: number;
  models: ReadonlyArray<{
    id: string;
    displayName: string;
    status: string;
    recommended: boolean;
    family: string;
  }>;
  channels: ReadonlyArray<{ name: string; models: readonly string[] }>;
  doors: readonly RetestDoor[];
  /** Newest first. */
  retests: readonly StoredRetest[];
  traffic: ReadonlyMap<string, LiveStats>;
  circuits: readonly CircuitSnapshot[];
  /** Keyed by `${model}\u0000${channel}`. */
  billing: ReadonlyMap<string, BillingConsistencyView>;
  /** Routes whose latest retest failed (absent: none). */
  demotions?: readonly RouteDemotion[];
}

export const historyLength = 20;

function thumbUrl(retest: StoredRetest, which: 'input' | 'output'): string | null {
  const present = which === 'input' ? retest.hasInputThumb : retest.hasOutputThumb;
  return present ? `/status/thumbs/${encodeURIComponent(retest.id)}-${which}.png` : null;
}

function reasonsOf(retest: StoredRetest): string[] {
  const reasons = retest.details.reasons;
  return Array.isArray(reasons)
    ? reasons.filter((reason): reason is string => typeof reason === 'string')
    : [];
}

function buildRoute(inputs: StatusInputs, model: string, channel: string, door: RetestDoor): StatusRoute {
  const retests = inputs.retests.filter(
    (retest) => retest.model === model && retest.channel === channel && retest.door === door,
  );
  const live = inputs.traffic.get(routeKey(model, channel, door));
  const circuit =
    inputs.circuits.find((snapshot) => snapshot.channel === channel && snapshot.model === model)?.state ??
    'closed';
  const judged = routeVerdict(
    {
      retests: retests.map((retest) => ({
        at: retest.createdAt,
        outcome: retest.outcome,
        doorAvailable: retest.details.doorAvailable !== false,
      })),
      live,
      circuit,
    },
    inputs.now,
  );
  const latest = retests[0];
  const demotion = inputs.demotions?.find((entry) => entry.channel === channel && entry.model === model);
  return {
    channel,
    door,
    verdict: judged.verdict,
    doorAvailable: judged.doorAvailable,
    reasons: judged.reasons,
    circuit,
    routing: demotion ? demotionText(demotion) : 'serving',
    lastRetest: latest
      ? {
          id: latest.id,
          at: new Date(latest.createdAt).toISOString(),
          outcome: latest.outcome,
          latencyMs: latest.latencyMs,
          reasons: reasonsOf(latest),
          billedMicros: latest.billedMicros,
          expectedMicros: latest.expectedMicros,
          inputThumb: thumbUrl(latest, 'input'),
          outputThumb: thumbUrl(latest, 'output'),
        }
      : null,
    live: {
      requests: live?.requests ?? 0,
      successRate: live ? live.successRate : null,
      p50Ms: live ? live.p50Ms : null,
      p95Ms: live ? live.p95Ms : null,
      errorClasses: live?.errorClasses ?? {},
    },
    billing: inputs.billing.get(`${model}\u0000${channel}`) ?? { status: 'unknown' },
    history: retests
      .slice(0, historyLength)
      .reverse()
      .map((retest) => ({ at: new Date(retest.createdAt).toISOString(), outcome: retest.outcome })),
  };
}

export function buildStatusDocument(inputs: StatusInputs): StatusDocument {
  const served = inputs.models.filter((model) =>
    inputs.channels.some((channel) => channel.models.includes(model.id)),
  );
  const models = served.map((model) => {
    const routes = inputs.channels
      .filter((channel) => channel.models.includes(model.id))
      .flatMap((channel) => inputs.doors.map((door) => buildRoute(inputs, model.id, channel.name, door)));
    return { model, routes, verdict: modelVerdict(routes) };
  });
  const best = recommendModel(
    models.map(({ model, verdict }) => ({
      id: model.id,
      verdict,
      catalogStatus: model.status,
      recommended: model.recommended,
      offline: model.family === 'local',
    })),
  );
  const entries: StatusModel[] = models.map(({ model, routes, verdict }) => ({
    id: model.id,
    displayName: model.displayName,
    catalogStatus: model.status,
    verdict,
    advice: modelAdvice(model.id, verdict, best),
    routes,
  }));
  const recommendation = best ? `use ${best}` : 'no model passes its retests right now';
  return {
    generatedAt: new Date(inputs.now).toISOString(),
    headline: headline(inputs.now, entries, recommendation),
    recommendedModel: best ?? null,
    recommendation,
    liveWindowMinutes: verdictThresholds.liveWindowMinutes,
    models: entries,
  };
}

/** The route's name as people say it: "local-engine via Gemini native". */
export function routeLabel(route: Pick<StatusRoute, 'channel' | 'door'>): string {
  const doorNames: Record<RetestDoor, string> = {
    gemini: 'Gemini native',
    'openai-images': 'OpenAI Images',
    'openai-chat': 'OpenAI chat',
  };
  return `${route.channel} via ${doorNames[route.door]}`;
}

export function modelSentence(model: StatusModel): string {
  const retested = model.routes.filter((route) => route.doorAvailable && route.lastRetest);
  const passed = retested.filter((route) => route.lastRetest?.outcome === 'pass');
  const failed = retested
    .filter((route) => route.lastRetest?.outcome !== 'pass')
    .map((route) => `${routeLabel(route)} gave ${route.lastRetest?.outcome}`);
  const underReview = model.routes.some((route) => route.billing.status === 'under review');
  let sentence: string;
  if (model.verdict === 'unknown') sentence = `${model.id} has not been retested yet`;
  else if (model.verdict === 'stable')
    sentence = `${model.id} returns correctly edited images on every route (stable)`;
  else {
    sentence = `${model.id} passed on ${passed.length} of ${retested.length} routes (${model.verdict})`;
    if (failed.length > 0) sentence += `: ${failed.join(', ')}`;
  }
  if (underReview) sentence += '; billing is under review';
  return sentence;
}

function headline(now: number, models: readonly StatusModel[], recommendation: string): string {
  const date = new Date(now).toISOString().slice(0, 10);
  const sentences = models.length > 0 ? models.map(modelSentence).join('; ') : 'no model is routed';
  return `As of ${date}, the latest retest showed: ${sentences}. Recommendation: ${recommendation}.`;
}
