// Turns row results into the markdown report: the full matrix with ratios to direct and to nginx,
// the peer-style summary, the memory and stream rows, and the issue's targets with met / not met.
import type { RouteId } from './routes.js';

export type RowState = 'ok' | 'failed' | 'skipped';

export interface RowResult {
  section: 'matrix' | 'memory' | 'stream';
  workloadId: string;
  workloadLabel: string;
  routeId: RouteId;
  routeLabel: string;
  state: RowState;
  note?: string;
  sent: number;
  checked: number;
  p50?: number;
  p99?: number;
  requestsPerSecond?: number;
  peakRssMb?: number;
  /** Stream rows: RSS growth while relaying one stream, and the size of its image event. */
  oneStreamRssGrowthMb?: number;
  eventMb?: number;
}

export interface BenchEnvironment {
  date: string;
  mode: 'full' | 'quick';
  /** Small calls each proxy served before its row (BenchPlan.settleCalls). */
  settleCalls: number;
  node: string;
  cpus: string;
  commit: string;
  nginx: string;
  portkey: string;
}

const NGINX_HEADROOM = 1.5;

function milliseconds(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1);
}

function signed(value: number | undefined, format: (magnitude: number) => string = milliseconds): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return `${value >= 0 ? '+' : '−'}${format(Math.abs(value))} ms`;
}

/** `signed`, with a third decimal when two would hide which side of `line` the value is on. */
function signedAgainst(value: number | undefined, line: number): string {
  const hidden = value !== undefined && value !== line && value.toFixed(2) === line.toFixed(2);
  return signed(value, hidden ? (magnitude) => magnitude.toFixed(3) : milliseconds);
}

function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !(base > 0)) return '—';
  return `${(value / base).toFixed(2)}×`;
}

function megabytes(value: number | undefined): string {
  return value === undefined ? '—' : `${Math.round(value)}`;
}

function rate(value: number | undefined): string {
  if (value === undefined) return '—';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function stateCell(row: RowResult): string {
  if (row.state === 'ok') return `ok (${row.checked}/${row.sent})`;
  return `**${row.state.toUpperCase()}**: ${(row.note ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ')}`;
}

export class BenchResults {
  constructor(readonly rows: RowResult[]) {}

  find(section: RowResult['section'], workloadId: string, routeId: RouteId): RowResult | undefined {
    const row = this.rows.find(
      (candidate) =>
        candidate.section === section && candidate.workloadId === workloadId && candidate.routeId === routeId,
    );
    return row?.state === 'ok' ? row : undefined;
  }

  /** p50 (or p99) through the route minus direct's, same workload, same run. */
  added(
    workloadId: string,
    routeId: RouteId,
    which: 'p50' | 'p99' = 'p50',
    section: RowResult['section'] = 'matrix',
  ) {
    const row = this.find(section, workloadId, routeId);
    const direct = this.find(section, workloadId, 'direct');
    if (!row || !direct || row[which] === undefined || direct[which] === undefined) return undefined;
    return (row[which] as number) - (direct[which] as number);
  }
}

function matrixTable(results: BenchResults): string {
  const lines = [
    "| workload | route | p50 ms | p99 ms | added p50 | added p99 | added p50 ÷ nginx's | req/s | req/s ÷ direct | req/s ÷ nginx | peak RSS MB | answers checked |",
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of results.rows.filter((candidate) => candidate.section === 'matrix')) {
    const direct = results.find('matrix', row.workloadId, 'direct');
    const nginx = results.find('matrix', row.workloadId, 'nginx');
    const ok = row.state === 'ok';
    const added = ok && row.routeId !== 'direct' ? results.added(row.workloadId, row.routeId) : undefined;
    const nginxAdded = results.added(row.workloadId, 'nginx');
    const addedVersusNginx =
      added !== undefined && nginxAdded !== undefined && nginxAdded > 0.1 && row.routeId !== 'nginx'
        ? ratio(added, nginxAdded)
        : '—';
    lines.push(
      `| ${row.workloadLabel} | ${row.routeLabel} | ${ok ? milliseconds(row.p50) : '—'} | ${ok ? milliseconds(row.p99) : '—'} | ${
        row.routeId === 'direct' ? '—' : signed(added)
      } | ${row.routeId === 'direct' || !ok ? '—' : signed(results.added(row.workloadId, row.routeId, 'p99'))} | ${addedVersusNginx} | ${
        ok ? rate(row.requestsPerSecond) : '—'
      } | ${ok && row.routeId !== 'direct' ? ratio(row.requestsPerSecond, direct?.requestsPerSecond) : '—'} | ${
        ok && row.routeId !== 'nginx' ? ratio(row.requestsPerSecond, nginx?.requestsPerSecond) : '—'
      } | ${megabytes(row.peakRssMb)} | ${stateCell(row)} |`,
    );
  }
  return lines.join('\n');
}

/** The same columns as ../shared/BENCHMARKS.md, so the peer table and ours read side by side. */
function summaryTable(results: BenchResults, routeOrder: { id: RouteId; label: string }[]): string {
  const lines = [
    '| route | 1 KB, 1 at a time: added p50 | 1 KB, 32 at a time: req/s | 1 MB, 1 at a time: added p50 | 10 MB, 1 at a time: added p50 | 10 MB, 32 at a time: req/s | peak RSS MB 1 KB seq / 10 MB seq / 10 MB ×32 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const route of routeOrder) {
    const p50 = (id: string) => {
      const row = results.find('matrix', id, route.id);
      if (!row) return 'n/a';
      return route.id === 'direct'
        ? `— (p50 ${milliseconds(row.p50)} ms)`
        : signed(results.added(id, route.id));
    };
    const rps = (id: string) => {
      const row = results.find('matrix', id, route.id);
      return row ? rate(row.requestsPerSecond) : 'n/a';
    };
    const rss =
      route.id === 'direct'
        ? '—'
        : ['1KBx1', '10MBx1', '10MBx32']
            .map((id) => megabytes(results.find('matrix', id, route.id)?.peakRssMb))
            .join(' / ');
    lines.push(
      `| ${route.label} | ${p50('1KBx1')} | ${rps('1KBx32')} | ${p50('1MBx1')} | ${p50('10MBx1')} | ${rps('10MBx32')} | ${rss} |`,
    );
  }
  return lines.join('\n');
}

function memoryTable(results: BenchResults): string {
  const lines = [
    '| route | peak RSS MB | p50 ms | p99 ms | req/s | answers checked |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of results.rows.filter((candidate) => candidate.section === 'memory')) {
    const ok = row.state === 'ok';
    lines.push(
      `| ${row.routeLabel} | ${megabytes(row.peakRssMb)} | ${ok ? milliseconds(row.p50) : '—'} | ${ok ? milliseconds(row.p99) : '—'} | ${
        ok ? rate(row.requestsPerSecond) : '—'
      } | ${stateCell(row)} |`,
    );
  }
  return lines.join('\n');
}

function streamTable(results: BenchResults): string {
  const lines = [
    '| route | p50 ms | added p50 | RSS growth for one stream MB (÷ event size) | peak RSS MB | answers checked |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of results.rows.filter((candidate) => candidate.section === 'stream')) {
    const ok = row.state === 'ok';
    const growth =
      row.oneStreamRssGrowthMb === undefined
        ? '—'
        : `${row.oneStreamRssGrowthMb.toFixed(1)} (${ratio(row.oneStreamRssGrowthMb, row.eventMb)})`;
    lines.push(
      `| ${row.routeLabel} | ${ok ? milliseconds(row.p50) : '—'} | ${
        row.routeId === 'direct' || !ok
          ? '—'
          : signed(results.added(row.workloadId, row.routeId, 'p50', 'stream'))
      } | ${growth} | ${megabytes(row.peakRssMb)} | ${stateCell(row)} |`,
    );
  }
  return lines.join('\n');
}

export interface TargetVerdict {
  target: string;
  measured: string;
  verdict: 'met' | 'not met' | 'not measured';
}

function verdict(condition: boolean | undefined): TargetVerdict['verdict'] {
  if (condition === undefined) return 'not measured';
  return condition ? 'met' : 'not met';
}

const doorNames = {
  'imagegate-gemini': 'Gemini door',
  'imagegate-chat': 'chat door',
  'imagegate-gemini-workers': 'Gemini door, 2 workers',
} as const;

export function evaluateTargets(results: BenchResults): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const door of ['imagegate-gemini', 'imagegate-chat'] as const) {
    const name = doorNames[door];
    const small = results.added('1KBx1', door);
    verdicts.push({
      target: `Added p50 ≤ 0.5 ms at 1 KB (${name})`,
      measured: signedAgainst(small, 0.5),
      verdict: verdict(small === undefined ? undefined : small <= 0.5),
    });
    const large = results.added('10MBx1', door);
    const nginxLarge = results.added('10MBx1', 'nginx');
    verdicts.push({
      target: `Added p50 at 10 MB ≤ ${NGINX_HEADROOM}× nginx's (${name})`,
      measured: `${signed(large)} vs nginx ${signed(nginxLarge)} (${ratio(large, nginxLarge)})`,
      verdict: verdict(
        large === undefined || nginxLarge === undefined
          ? undefined
          : large <= NGINX_HEADROOM * Math.max(nginxLarge, 0),
      ),
    });
  }
  const portkey = results.find('matrix', '1KBx32', 'portkey-chat')?.requestsPerSecond;
  for (const door of ['imagegate-chat', 'imagegate-gemini', 'imagegate-gemini-workers'] as const) {
    const ours = results.find('matrix', '1KBx32', door)?.requestsPerSecond;
    verdicts.push({
      target: `1 KB ×32 req/s ≥ 4× Portkey's chat → Google route (${door === 'imagegate-chat' ? 'chat door, same route' : doorNames[door]})`,
      measured: `${rate(ours)} vs ${rate(portkey)} (${ratio(ours, portkey)})`,
      verdict: verdict(ours === undefined || portkey === undefined ? undefined : ours >= 4 * portkey),
    });
  }
  for (const door of ['imagegate-gemini', 'imagegate-chat', 'imagegate-gemini-workers'] as const) {
    const ours = results.find('matrix', '10MBx32', door)?.requestsPerSecond;
    const nginx = results.find('matrix', '10MBx32', 'nginx')?.requestsPerSecond;
    verdicts.push({
      target: `10 MB ×32 req/s ≥ nginx's (${doorNames[door]})`,
      measured: `${rate(ours)} vs ${rate(nginx)} (${ratio(ours, nginx)})`,
      verdict: verdict(ours === undefined || nginx === undefined ? undefined : ours >= nginx),
    });
  }
  for (const route of ['imagegate-gemini', 'imagegate-gemini-workers'] as const) {
    const memory = results.find('memory', '10MBx64', route)?.peakRssMb;
    verdicts.push({
      target: `Peak RSS with 64 concurrent 10 MB edits in flight ≤ 600 MB (${doorNames[route]})`,
      measured: `${megabytes(memory)} MB`,
      verdict: verdict(memory === undefined ? undefined : memory <= 600),
    });
  }
  const stream = results.rows.find((row) => row.section === 'stream' && row.routeId === 'imagegate-gemini');
  const copies =
    stream?.oneStreamRssGrowthMb !== undefined && stream.eventMb
      ? stream.oneStreamRssGrowthMb / stream.eventMb
      : undefined;
  verdicts.push({
    target:
      'A streamed 8 MB image event passes intact, with ≤ 1 full in-memory copy (RSS growth ≤ 1.5× the event)',
    measured:
      stream === undefined
        ? '—'
        : `${stream.state === 'ok' ? 'intact' : `${stream.state}: ${stream.note}`}; RSS growth ${copies === undefined ? '—' : `${copies.toFixed(1)}× the event`}`,
    verdict: verdict(
      stream === undefined || copies === undefined ? undefined : stream.state === 'ok' && copies <= 1.5,
    ),
  });
  const failed = results.rows.filter((row) => row.state === 'failed');
  verdicts.push({
    target: "Every row checks its answers (image bytes equal the upstream's, request counts match)",
    measured: failed.length === 0 ? 'all rows passed their checks' : `${failed.length} row(s) FAILED`,
    verdict: verdict(failed.length === 0),
  });
  return verdicts;
}

function targetsTable(results: BenchResults): string {
  const lines = ['| target | measured | verdict |', '|---|---|---|'];
  for (const item of evaluateTargets(results)) {
    lines.push(
      `| ${item.target} | ${item.measured} | ${item.verdict === 'met' ? 'met' : `**${item.verdict}**`} |`,
    );
  }
  return lines.join('\n');
}

export function renderReport(
  results: BenchResults,
  environment: BenchEnvironment,
  routeOrder: { id: RouteId; label: string }[],
  notes: string[],
): string {
  return `# imagegate bench — ${environment.mode} run, ${environment.date}

Node ${environment.node} · ${environment.cpus} · imagegate ${environment.commit} · ${environment.nginx} · @portkey-ai/gateway ${environment.portkey}.
Load generator, proxies and the fixed upstream share these cores over loopback. "Added" = the route's
p50 (p99) minus direct's in this same run; ratios only compare rows of this run. Peak RSS = VmHWM
summed over the proxy's processes, reset after warm-up; every proxy is started fresh for each row
and first serves ${environment.settleCalls.toLocaleString('en-US')} small calls, so rows measure warm processes.

## Summary (columns of ../shared/BENCHMARKS.md)

${summaryTable(results, routeOrder)}

## Targets (issue 9)

${targetsTable(results)}

## All rows

${matrixTable(results)}

## Memory: 64 concurrent 10 MB edits in flight

${memoryTable(results)}

## Streaming: one 8 MB image in one SSE event

${streamTable(results)}
${notes.length > 0 ? `\n## Notes\n\n${notes.map((note) => `- ${note}`).join('\n')}\n` : ''}`;
}
