// Orders the channels that may serve a request: highest priority first, weighted-random inside a
// priority, channels with an open circuit or whose upstream lost the model left out, demoted routes
// only when no other route is left. Pure: it reads health, it changes nothing.
import type { RouteChannel } from './channel.js';

export interface PlannedAttempt {
  channel: RouteChannel;
}

export interface PlanInput {
  modelId: string;
  channels: readonly RouteChannel[];
  /** True when the (channel, model) circuit refuses traffic right now. */
  isCircuitOpen: (channelName: string, modelId: string) => boolean;
  /**
   * True when the route's latest retest gave no image or a wrong one (src/health/route-demotions.ts):
   * it is planned only when no other route can take the request.
   */
  isDemoted?: (channelName: string, modelId: string) => boolean;
  /**
   * True when the route's upstream no longer has the model (src/health/route-presence.ts): it is
   * never planned, not even as a last resort, unless pinned.
   */
  isGone?: (channelName: string, modelId: string) => boolean;
  /** Only this channel, whatever its circuit or retests say (retests pin a route and act as its probe). */
  pinnedChannel?: string;
  random?: () => number;
}

/** Weighted shuffle (Efraimidis–Spirakis): key = u^(1/w), highest first. */
function weightedOrder(channels: RouteChannel[], random: () => number): RouteChannel[] {
  return channels
    .map((channel) => ({ channel, key: random() ** (1 / Math.max(channel.weight, 1e-9)) }))
    .sort((left, right) => right.key - left.key)
    .map((entry) => entry.channel);
}

export function planAttempts(input: PlanInput): PlannedAttempt[] {
  const random = input.random ?? Math.random;
  // A pinned request (a retest) may reach a gone route: it is how a retest finds the model again.
  const isGone = input.pinnedChannel === undefined ? input.isGone : undefined;
  const serving = input.channels.filter(
    (channel) =>
      channel.models.includes(input.modelId) &&
      (input.pinnedChannel === undefined || channel.name === input.pinnedChannel) &&
      !isGone?.(channel.name, input.modelId),
  );
  // A pinned request (a retest) goes to its route even when the circuit is open: it is the recovery
  // probe that tells whether the route works again, and its outcome closes or keeps the circuit.
  const open =
    input.pinnedChannel === undefined
      ? serving.filter((channel) => !input.isCircuitOpen(channel.name, input.modelId))
      : serving;
  // A demoted route is not even a fallback behind a trusted one: a transient failure of the trusted
  // route should answer an honest error, not a wrong image. Alone, it is better than no route.
  const isDemoted = input.pinnedChannel === undefined ? input.isDemoted : undefined;
  const trusted = isDemoted ? open.filter((channel) => !isDemoted(channel.name, input.modelId)) : open;
  const candidates = trusted.length > 0 ? trusted : open;
  const priorities = [...new Set(candidates.map((channel) => channel.priority))].sort(
    (left, right) => right - left,
  );
  const ordered: RouteChannel[] = [];
  for (const priority of priorities) {
    ordered.push(
      ...weightedOrder(
        candidates.filter((channel) => channel.priority === priority),
        random,
      ),
    );
  }
  return ordered.map((channel) => ({ channel }));
}
