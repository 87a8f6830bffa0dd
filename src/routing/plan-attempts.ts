// Orders the channels that may serve a request: highest priority first, weighted-random inside a
// priority, channels with an open circuit left out. Pure: it reads health, it changes nothing.
import type { RouteChannel } from './channel.js';

export interface PlannedAttempt {
  channel: RouteChannel;
}

export interface PlanInput {
  modelId: string;
  channels: readonly RouteChannel[];
  /** True when the (channel, model) circuit refuses traffic right now. */
  isCircuitOpen: (channelName: string, modelId: string) => boolean;
  /** Only this channel, whatever its circuit says (retests pin a route and act as its probe). */
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
  const serving = input.channels.filter(
    (channel) =>
      channel.models.includes(input.modelId) &&
      (input.pinnedChannel === undefined || channel.name === input.pinnedChannel),
  );
  // A pinned request (a retest) goes to its route even when the circuit is open: it is the recovery
  // probe that tells whether the route works again, and its outcome closes or keeps the circuit.
  const open =
    input.pinnedChannel === undefined
      ? serving.filter((channel) => !input.isCircuitOpen(channel.name, input.modelId))
      : serving;
  const priorities = [...new Set(open.map((channel) => channel.priority))].sort(
    (left, right) => right - left,
  );
  const ordered: RouteChannel[] = [];
  for (const priority of priorities) {
    ordered.push(
      ...weightedOrder(
        open.filter((channel) => channel.priority === priority),
        random,
      ),
    );
  }
  return ordered.map((channel) => ({ channel }));
}
