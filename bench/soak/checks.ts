// The soak's verdict: pure functions from what was observed to a list of checks, each passed or
// failed with the figures that decided it.
import type { LedgerState } from './ledger-state.js';
import type { StallNote, UploadNote } from './mix.js';
import type { Observations } from './observations.js';
import type { ProbeSample, RssSample } from './prober.js';

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export const limits = {
  healthzP99Milliseconds: 100,
  /** Windows over which the /healthz p99 must hold ("throughout"). */
  healthzWindowMilliseconds: 30_000,
  rssGrowthShare: 0.2,
  rssHardCapMegabytes: 1024,
  /** An unauthenticated upload must be answered before this share of it was sent. */
  unauthenticatedSentShare: 0.5,
} as const;

export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

const usd = (micros: number) => `$${(micros / 1e6).toFixed(4)}`;

export function billingChecks(ledger: LedgerState, keyNames: ReadonlyMap<string, string>): Check[] {
  const balanced: string[] = [];
  const overLimit: string[] = [];
  for (const [keyId, key] of ledger.keys) {
    const name = keyNames.get(keyId) ?? keyId;
    if (
      key.ledgerChargedMicros !== key.requestLogChargedMicros ||
      key.ledgerChargedMicros !== key.spentMicros ||
      key.reservedMicros !== 0 ||
      key.ledgerOutstandingMicros !== 0
    ) {
      balanced.push(
        `${name}: ledger ${usd(key.ledgerChargedMicros)}, request log ${usd(key.requestLogChargedMicros)}, spent ${usd(key.spentMicros)}, reserved ${usd(key.reservedMicros)}, holds outstanding ${usd(key.ledgerOutstandingMicros)}`,
      );
    }
    if (key.spendLimitMicros !== null && key.spentMicros > key.spendLimitMicros)
      overLimit.push(`${name}: spent ${usd(key.spentMicros)} of a ${usd(key.spendLimitMicros)} limit`);
  }
  const limited = [...ledger.keys.values()].filter((key) => key.spendLimitMicros !== null);
  return [
    { name: '0 open holds', passed: ledger.openHolds === 0, detail: `${ledger.openHolds} open` },
    {
      name: 'ledger = request log = key spend, per key',
      passed: balanced.length === 0,
      detail: balanced.length === 0 ? `${ledger.keys.size} keys balance` : balanced.join('; '),
    },
    {
      name: 'no key spent over its limit',
      passed: overLimit.length === 0,
      detail:
        overLimit.length === 0
          ? limited
              .map(
                (key) =>
                  `${keyNames.get(key.keyId)} ${usd(key.spentMicros)}/${usd(key.spendLimitMicros ?? 0)}`,
              )
              .join(', ')
          : overLimit.join('; '),
    },
  ];
}

/** An image that went out (logged on the row) on a paid model was charged something. */
export function imagesChargedCheck(ledger: LedgerState, keyNames: ReadonlyMap<string, string>): Check {
  const free = [...ledger.keys.values()]
    .filter((key) => key.uncharged.rows > 0)
    .map(
      (key) =>
        `${keyNames.get(key.keyId) ?? key.keyId}: ${key.uncharged.images} images on ${key.uncharged.rows} rows charged $0`,
    );
  return {
    name: 'no image of a paid model went out free',
    passed: free.length === 0,
    detail: free.length === 0 ? 'every logged image of a paid model was charged' : free.join('; '),
  };
}

export function imagesBilledCheck(
  observations: Observations,
  ledger: LedgerState,
  keyNames: ReadonlyMap<string, string>,
): Check {
  const unbilled: string[] = [];
  const figures: string[] = [];
  for (const [keyId, key] of ledger.keys) {
    const name = keyNames.get(keyId) ?? keyId;
    const received = observations.imagesReceived.get(name) ?? 0;
    figures.push(`${name} ${received}/${key.requestLogImages}`);
    if (received > key.requestLogImages)
      unbilled.push(`${name}: received ${received} images, logged ${key.requestLogImages}`);
  }
  return {
    name: 'every image received was logged (received/logged per key)',
    passed: unbilled.length === 0,
    detail: unbilled.length === 0 ? figures.join(', ') : unbilled.join('; '),
  };
}

/** Rules every single answer had to keep (see Observations.record). */
export interface SecretsAtRest {
  logLines: number;
  logLinesWithKeys: number;
  storedRows: number;
  /** Rows with a provider key, per table. */
  storedRowsWithKeys: Record<string, number>;
}

export function answerChecks(observations: Observations, atRest: SecretsAtRest): Check[] {
  const rule = (name: string, finding: string) => {
    const found = observations.findings.get(finding);
    return {
      name,
      passed: found === undefined,
      detail:
        found === undefined
          ? `0 of ${observations.answers} answers`
          : `${found.count}× e.g. ${found.examples.join(' | ')}`,
    };
  };
  return [
    rule('no HTTP 500', 'HTTP 500'),
    rule('no database text in an answer', 'database text in an answer'),
    rule('no provider key in an answer', 'provider key in an answer'),
    {
      name: 'no provider key in a log line',
      passed: atRest.logLinesWithKeys === 0,
      detail: `${atRest.logLinesWithKeys} of ${atRest.logLines} lines`,
    },
    {
      name: 'no provider key stored in the database',
      passed: Object.keys(atRest.storedRowsWithKeys).length === 0,
      detail:
        Object.entries(atRest.storedRowsWithKeys)
          .map(([table, count]) => `${table}: ${count} rows`)
          .join(', ') || `0 of ${atRest.storedRows} rows`,
    },
    rule('a valid client key is never told 401', 'valid client key answered 401'),
    rule('hostile input gets a 4xx', 'hostile input not answered with a 4xx'),
    rule("errors come in the door's envelope", "error not in the door's envelope"),
    rule('every client that waited got an answer', 'no answer'),
    rule('the soak clients ran without errors', 'soak client error'),
  ];
}

export function healthzCheck(probes: readonly ProbeSample[], failures: Record<string, number>): Check {
  const windows = new Map<number, number[]>();
  for (const probe of probes) {
    const window = Math.floor(probe.at / limits.healthzWindowMilliseconds);
    windows.set(window, [...(windows.get(window) ?? []), probe.milliseconds]);
  }
  const perWindow = [...windows.entries()].map(([window, values]) => ({
    window,
    p99: percentile(values, 0.99),
  }));
  const worst = perWindow.reduce((top, entry) => (entry.p99 > top.p99 ? entry : top), { window: 0, p99: 0 });
  const all = probes.map((probe) => probe.milliseconds);
  const failed = all.filter((value) => value === Number.POSITIVE_INFINITY).length;
  const format = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'no answer');
  return {
    name: `/healthz p99 < ${limits.healthzP99Milliseconds} ms in every ${limits.healthzWindowMilliseconds / 1000} s window`,
    passed: probes.length > 0 && worst.p99 < limits.healthzP99Milliseconds,
    detail: `${probes.length} probes, p50 ${format(percentile(all, 0.5))}, p99 ${format(percentile(all, 0.99))}, max ${format(Math.max(...all))}, ${failed} failed${
      failed > 0
        ? ` (${Object.entries(failures)
            .map(([reason, count]) => `${reason}×${count}`)
            .join(', ')})`
        : ''
    }; worst window (${(worst.window * limits.healthzWindowMilliseconds) / 1000} s) p99 ${format(worst.p99)}`,
  };
}

/** RSS: the last window against an early one (after warm-up), and a hard cap on the peak. */
export function rssChecks(
  samples: readonly RssSample[],
  durationMilliseconds: number,
  peakMegabytes: number,
): Check[] {
  const window = Math.min(60_000, durationMilliseconds / 5);
  const average = (from: number, to: number) => {
    const inside = samples.filter((sample) => sample.at >= from && sample.at < to);
    return inside.reduce((sum, sample) => sum + sample.megabytes, 0) / Math.max(1, inside.length);
  };
  const early = average(window, 2 * window);
  const late = average(durationMilliseconds - window, durationMilliseconds + 1);
  const growth = late / early - 1;
  return [
    {
      name: `RSS stable (last window within ${limits.rssGrowthShare * 100} % of an early one)`,
      passed: Number.isFinite(growth) && Math.abs(growth) <= limits.rssGrowthShare,
      detail: `early ${early.toFixed(0)} MB, last ${late.toFixed(0)} MB (${(growth * 100).toFixed(1)} %)`,
    },
    {
      name: `RSS peak under ${limits.rssHardCapMegabytes} MB`,
      passed: peakMegabytes < limits.rssHardCapMegabytes,
      detail: `peak ${peakMegabytes.toFixed(0)} MB`,
    },
  ];
}

/** The HTTP edge: unauthenticated bodies refused before they are read, stalls answered, memory freed. */
export function edgeChecks(
  uploads: readonly UploadNote[],
  stalls: readonly StallNote[],
  bodyMemoryAtEnd: number | undefined,
  largeRequestAtEnd: { status: number; milliseconds: number },
): Check[] {
  const late = uploads.filter((upload) => upload.sentShareAtAnswer >= limits.unauthenticatedSentShare);
  const unanswered = stalls.filter((stall) => stall.status === 0);
  return [
    {
      name: 'unauthenticated chunked bodies are refused before they are read',
      passed: late.length === 0,
      detail:
        uploads.length === 0
          ? 'not run'
          : late.length === 0
            ? `${uploads.length} uploads, answered at ≤ ${(Math.max(0, ...uploads.map((upload) => upload.sentShareAtAnswer)) * 100).toFixed(0)} % sent`
            : `${late.length} of ${uploads.length} answered only after ≥ ${limits.unauthenticatedSentShare * 100} % was sent, e.g. ${late[0].scenario} (${late[0].status})`,
    },
    {
      name: 'stalled bodies get an answer',
      passed: unanswered.length === 0,
      detail:
        stalls
          .map(
            (stall) =>
              `${stall.scenario}: ${stall.status || 'none'} after ${(stall.waitedMs / 1000).toFixed(1)} s`,
          )
          .join('; ') || 'not run',
    },
    {
      name: 'body memory back to 0 after the run',
      passed: bodyMemoryAtEnd === 0,
      detail: `imagegate_body_memory_bytes ${bodyMemoryAtEnd ?? 'absent'}`,
    },
    {
      name: 'a ≥ 1 MiB request is served after the run',
      passed: largeRequestAtEnd.status === 200,
      detail: `HTTP ${largeRequestAtEnd.status} after ${largeRequestAtEnd.milliseconds} ms`,
    },
  ];
}
