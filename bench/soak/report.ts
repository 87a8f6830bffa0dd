// The soak's printed summary: what was sent (statuses per scenario) and every check with its figures.
import { cpus } from 'node:os';
import type { Check } from './checks.js';
import type { Observations } from './observations.js';

export interface RunFacts {
  durationSeconds: number;
  concurrency: number;
  faultRate: number;
  startedAt: Date;
  commit: string;
  /** Load average (1 min) at the start and the end: timing checks mean little on a busy machine. */
  loadAverages: [number, number];
}

export function formatReport(facts: RunFacts, observations: Observations, checks: readonly Check[]): string {
  const failed = checks.filter((check) => !check.passed);
  const statusLine = (counts: Map<number, number>) =>
    [...counts.entries()]
      .sort(([left], [right]) => left - right)
      .map(([status, count]) => `${status || 'none'}×${count}`)
      .join(' ');
  const lines = [
    `soak ${facts.startedAt.toISOString()} on ${facts.commit}: ${facts.durationSeconds} s, ${facts.concurrency} ordinary clients, fault rate ${facts.faultRate}, load average ${facts.loadAverages.map((load) => load.toFixed(1)).join(' → ')} on ${cpus().length} cores`,
    `answers: ${observations.answers}`,
    ...[...observations.statuses.entries()]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([scenario, counts]) => `  ${scenario}: ${statusLine(counts)}`),
    'checks:',
    ...checks.map(
      (check) => `  ${check.passed ? 'pass' : 'FAIL'}  ${check.name}: ${observations.mask(check.detail)}`,
    ),
    failed.length === 0 ? 'PASS' : `FAIL (${failed.length} of ${checks.length} checks)`,
    '',
  ];
  return lines.join('\n');
}
