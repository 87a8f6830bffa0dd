// The status document behind GET /status, /status.json and `imagegate report`: per model its
// lifecycle, verdict and advice, and per route (channel × door) the latest retest, live traffic,
// circuit, billing consistency and recent history; retired ids apart. Pure: collect-status.ts
// gathers the inputs, and "today" is the lifecycle service's clock.
import type { LifecycleStatus } from '../catalog/lifecycle.js';
import type { CatalogModel } from '../catalog/schema.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { CircuitSnapshot, CircuitState } from '../routing/circuit-breaker.js';
import type { StoredRetest } from '../store/retest-results.js';
import type { BillingConsistencyView } from './billing-consistency.js';
import { type LiveStats, routeKey } from './live-traffic.js';
import type { RetestDoor } from './retest-outcome.js';
import { demotionText, type RouteDemotion } from './route-demotions.js';
import type { RoutePresenceView } from './route-presence.js';
import {
  describeGoneRoute,
  type StatusGoneRoute,
  type StatusLifecycle,
  StatusLifecycles,
} from './status-lifecycle.js';
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
   * Whether live traffic goes to the route: `serving`, `demoted: latest retest semantic_fail at …`
   * (src/health/route-demotions.ts), or `skipped: retired upstream (not listed by … since …)`.
   */
  routing: string;
  /** Set when the channel's upstream no longer has the model; such a route is not counted as working. */
  gone: StatusGoneRoute | null;
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
  /** The lifecycle status, with `unhealthy` overlaid when every working route is unhealthy. */
  status: LifecycleStatus | 'unhealthy';
  /** The status the catalog entry states. */
  catalogStatus: string;
  lifecycle: StatusLifecycle;
  verdict: Verdict;
  advice: string;
  routes: StatusRoute[];
  /** The channels whose upstream no longer has the model (one entry per channel). */
  goneRoutes: StatusGoneRoute[];
}

/** A retired id: an alias for its successor now (or refused, by policy), so no routes of its own. */
export interface StatusRetiredId {
  id: string;
  displayName: string;
  lifecycle: StatusLifecycle;
}

export interface StatusDocument {
  generatedAt: string;
  /** "As of 2026-11-25, the latest retest showed: …" */
  headline: string;
  recommendedModel: string | null;
  recommendation: string;
  liveWindowMinutes: number;
  models: StatusModel[];
  retiredIds: StatusRetiredId[];
}

export interface StatusInputs {
  now: number;
  /** The catalog, "today", the retired-id policy and the recommended model. */
  lifecycle: ModelLifecycle;
  /** Routes gone upstream and the shutdown dates upstreams' model lists announced. */
  presence: RoutePresenceView;
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

function buildRoute(
  inputs: StatusInputs,
  model: string,
  channel: string,
  door: RetestDoor,
  gone: StatusGoneRoute | undefined,
): StatusRoute {
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
  // Routing skips a gone route whatever its past retests say.
  const verdict = gone && judged.doorAvailable ? 'unhealthy' : judged.verdict;
  const reasons = gone && judged.doorAvailable ? [`${gone.label}: ${gone.summary}`] : judged.reasons;
  return {
    channel,
    door,
    verdict,
    doorAvailable: judged.doorAvailable,
    reasons,
    circuit,
    routing: gone
      ? `skipped: ${gone.label} (${gone.summary})`
      : demotion
        ? demotionText(demotion)
        : 'serving',
    gone: gone ?? null,
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

/** The model's verdict over the routes that still reach it: unhealthy when every one is gone. */
function verdictOverRoutes(routes: readonly StatusRoute[]): Verdict {
  const reaching = routes.filter((route) => route.gone === null);
  if (reaching.length === 0 && routes.some((route) => route.doorAvailable)) return 'unhealthy';
  return modelVerdict(reaching);
}

/** Health data overlays `unhealthy` on a model that is still meant to serve. */
function overlaidStatus(status: LifecycleStatus, verdict: Verdict): StatusModel['status'] {
  return verdict === 'unhealthy' && status !== 'disabled' && status !== 'retired' ? 'unhealthy' : status;
}

/** Health advice, led by what the lifecycle asks of a model with a shutdown ahead. */
function adviceFor(model: CatalogModel, lifecycle: StatusLifecycle, verdict: Verdict, best?: string): string {
  const health = modelAdvice(model.id, verdict, best);
  if (lifecycle.status !== 'deprecated' || verdict === 'unhealthy' || verdict === 'unknown') return health;
  const target = lifecycle.successor ?? (best !== model.id ? best : undefined);
  if (target)
    return lifecycle.shutdown ? `move to ${target} before ${lifecycle.shutdown}` : `move to ${target}`;
  return lifecycle.shutdown
    ? `${health}; it shuts down ${lifecycle.shutdown} and nothing succeeds it yet`
    : `${health}; deprecated, and nothing succeeds it yet`;
}

export function buildStatusDocument(inputs: StatusInputs): StatusDocument {
  const lifecycles = new StatusLifecycles(inputs.lifecycle, inputs.presence);
  const routed = (id: string | null) =>
    id !== null && inputs.channels.some((channel) => channel.models.includes(id));
  const goneRoutes = inputs.presence.goneRoutes();
  const recommendedId = inputs.lifecycle.recommended()?.id;
  const retiredIds: StatusRetiredId[] = [];
  const models: Array<{
    model: CatalogModel;
    lifecycle: StatusLifecycle;
    routes: StatusRoute[];
    gone: StatusGoneRoute[];
    verdict: Verdict;
  }> = [];
  for (const model of inputs.lifecycle.catalog.list()) {
    const lifecycle = lifecycles.of(model);
    if (lifecycle.status === 'retired') {
      // Listed while a client can still reach it: a channel names it, or its successor is routed.
      if (routed(model.id) || routed(lifecycle.successor))
        retiredIds.push({ id: model.id, displayName: model.displayName, lifecycle });
      continue;
    }
    if (!routed(model.id)) continue;
    const channels = inputs.channels.filter((channel) => channel.models.includes(model.id));
    const gone = channels.flatMap((channel) => {
      const route = goneRoutes.find((entry) => entry.modelId === model.id && entry.channel === channel.name);
      return route ? [describeGoneRoute(route)] : [];
    });
    const routes = channels.flatMap((channel) =>
      inputs.doors.map((door) =>
        buildRoute(
          inputs,
          model.id,
          channel.name,
          door,
          gone.find((route) => route.channel === channel.name),
        ),
      ),
    );
    models.push({ model, lifecycle, routes, gone, verdict: verdictOverRoutes(routes) });
  }
  const best = recommendModel(
    models.map(({ model, lifecycle, verdict }) => ({
      id: model.id,
      verdict,
      catalogStatus: lifecycle.status,
      recommended: model.id === recommendedId,
      offline: model.family === 'local',
    })),
  );
  const entries: StatusModel[] = models.map(({ model, lifecycle, routes, gone, verdict }) => ({
    id: model.id,
    displayName: model.displayName,
    status: overlaidStatus(lifecycle.status, verdict),
    catalogStatus: model.status,
    lifecycle,
    verdict,
    advice: adviceFor(model, lifecycle, verdict, best),
    routes,
    goneRoutes: gone,
  }));
  const recommendation = best ? `use ${best}` : 'no model passes its retests right now';
  return {
    generatedAt: new Date(inputs.now).toISOString(),
    headline: headline(inputs.now, entries, recommendation),
    recommendedModel: best ?? null,
    recommendation,
    liveWindowMinutes: verdictThresholds.liveWindowMinutes,
    models: entries,
    retiredIds,
  };
}

/** The route's name as people say it: "local-engine via Gemini native". */
export function routeLabel(route: Pick<StatusRoute, 'channel' | 'door'>): string {
  const doorNames: Record<RetestDoor, string> = {
    gemini: 'Gemini native',
    'openai-images': 'OpenAI Images',
    'openai-chat': 'OpenAI chat',
    'openai-responses': 'OpenAI Responses',
    'gemini-interactions': 'Gemini Interactions',
  };
  return `${route.channel} via ${doorNames[route.door]}`;
}

export function modelSentence(model: StatusModel): string {
  // A gone route is no route any more: its retests from before say nothing of the model today.
  const reaching = model.routes.filter((route) => route.gone === null);
  if (reaching.length === 0 && model.routes.length > 0)
    return `${model.id} is gone upstream on every route (${model.verdict})`;
  const retested = reaching.filter((route) => route.doorAvailable && route.lastRetest);
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
