// Gathers what the status document needs from a running gateway: stored retests, live traffic from
// the request log (retest traffic left out), circuit states, billing consistency, the lifecycle
// service (catalog, today, retired-id policy) and the routes gone upstream.
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { RouteChannel } from '../routing/channel.js';
import type { CircuitBreakers } from '../routing/circuit-breaker.js';
import { getClientKey, type StoreDatabase } from '../store/index.js';
import { latestRetestVerdicts, recentRetests } from '../store/retest-results.js';
import { recentTraffic } from '../store/route-traffic.js';
import { type BillingConsistencyView, billingConsistency } from './billing-consistency.js';
import { summarizeTraffic } from './live-traffic.js';
import { retestKeyName } from './retest-key.js';
import { allRetestDoors } from './retest-outcome.js';
import { demotionsFrom } from './route-demotions.js';
import type { RoutePresenceView } from './route-presence.js';
import type { RetestService } from './retest-service.js';
import { buildStatusDocument, historyLength, type StatusDocument } from './status-model.js';
import { verdictThresholds } from './verdict.js';

const historyDays = 14;

/** What the status document is gathered from: a running gateway's parts, or the CLI's. */
export interface StatusDeps {
  lifecycle: ModelLifecycle;
  routePresence: RoutePresenceView;
  channels: RouteChannel[];
  circuits: CircuitBreakers;
  database: StoreDatabase;
  /** This process's retest service, when it runs one (its in-progress state is shown). */
  retests?: RetestService;
}

export async function collectStatus(gateway: StatusDeps, now: number = Date.now()): Promise<StatusDocument> {
  const db = gateway.database.db;
  const retestKey = await getClientKey(db, retestKeyName);
  const [retests, traffic, verdicts] = await Promise.all([
    recentRetests(db, { since: now - historyDays * 86_400_000, perRoute: historyLength }),
    recentTraffic(db, {
      since: now - verdictThresholds.liveWindowMinutes * 60_000,
      excludeKeyId: retestKey?.id,
    }),
    // From the store, not this process's view: the same answer on every replica and in the CLI.
    latestRetestVerdicts(db, { since: 0 }),
  ]);
  const billing = new Map<string, BillingConsistencyView>();
  for (const channel of gateway.channels) {
    for (const model of channel.models) {
      billing.set(`${model}\u0000${channel.name}`, await billingConsistency(db, model, channel.name));
    }
  }
  return buildStatusDocument({
    now,
    lifecycle: gateway.lifecycle,
    presence: gateway.routePresence,
    channels: gateway.channels,
    doors: gateway.retests?.doors ?? allRetestDoors,
    retests,
    traffic: summarizeTraffic(traffic),
    circuits: gateway.circuits.snapshot(),
    billing,
    demotions: [...demotionsFrom(verdicts).values()],
  });
}
