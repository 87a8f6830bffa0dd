// Live traffic per route (model × channel × door) from request log rows: success rate, p50/p95
// latency and error classes. Pure.
import type { TrafficRow } from '../store/route-traffic.js';

export interface LiveStats {
  requests: number;
  successes: number;
  successRate: number;
  p50Ms: number;
  p95Ms: number;
  errorClasses: Record<string, number>;
}

export function routeKey(model: string, channel: string, door: string): string {
  return `${model}\u0000${channel}\u0000${door}`;
}

/** The value below which `share` of the sorted values fall (nearest rank). */
export function percentile(sortedValues: readonly number[], share: number): number {
  if (sortedValues.length === 0) return 0;
  const rank = Math.ceil(share * sortedValues.length);
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank - 1))];
}

/** Rows without a channel (rejected before routing) say nothing about a route and are skipped. */
export function summarizeTraffic(rows: readonly TrafficRow[]): Map<string, LiveStats> {
  const groups = new Map<string, TrafficRow[]>();
  for (const row of rows) {
    if (row.channel === null) continue;
    const key = routeKey(row.model, row.channel, row.door);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const stats = new Map<string, LiveStats>();
  for (const [key, group] of groups) {
    const latencies = group.map((row) => row.latencyMs).sort((left, right) => left - right);
    const errorClasses: Record<string, number> = {};
    let successes = 0;
    for (const row of group) {
      if (row.status === 200 && row.errorClass === null) successes += 1;
      else {
        const errorClass = row.errorClass ?? `http_${row.status}`;
        errorClasses[errorClass] = (errorClasses[errorClass] ?? 0) + 1;
      }
    }
    stats.set(key, {
      requests: group.length,
      successes,
      successRate: successes / group.length,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      errorClasses,
    });
  }
  return stats;
}
