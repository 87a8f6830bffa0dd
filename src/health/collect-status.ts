// Gathers what the status document needs from a running gateway: stored retests, live traffic from
// the request log (retest traffic left out), circuit states, billing consistency, the lifecycle
// service (catalog, today, retired-id policy) and the routes gone upstream.
import type { Gateway } from '../server/gateway.js';
import { getClientKey } from '../store/index.js';
import { latestRetestVerdicts, recentRetests } from '../store/retest-results.js';
import { recentTraffic } from '../store/route-traffic.js';
import { type BillingConsistencyView, billingConsistency } from './billing-consistency.js';
import { summarizeTraffic } from './live-traffic.js';
import { retestKeyName } from './retest-key.js';
import { allRetestDoors } from './retest-outcome.js';
import { demotionsFrom } from './route-demotions.js';
import { buildStatusDocument, historyLength, type StatusDocument } from './status-model.js';
import { verdictThresholds } from './verdict.js';

const historyDays = 14;

export async function collectStatus(
  gateway: Pick<Gateway, 'lifecycle' | 'routePresence' | 'channels' | 'circuits' | 'database' | 'retests'>,
  now: number = Date.now(),
): Promise<StatusDocument> {
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
