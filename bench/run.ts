// `npm run bench [-- --quick] [--skip-peers] [--only=id,id] [--at=git-ref] [--out=path]`: the same
// workload direct, through nginx, imagegate's doors and Portkey, in one run; prints the markdown
// report and saves it (bench/results/latest.md, or quick.md for --quick). Exit 1 if a row FAILED.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { request } from 'undici';
import { launchFixedUpstream, STATS_PATH, type UpstreamStats } from './fixed-upstream.js';
import { runLoad, type LoadPlan } from './load.js';
import {
  answerFingerprint,
  type ImageFingerprint,
  type Protocol,
  requestBody,
  type SizeClass,
} from './payloads.js';
import {
  ensurePortkeyInstalled,
  nginxMissingNote,
  NGINX_BINARY,
  PEERS_DIR,
  type RunningProxy,
  useImagegateSnapshot,
  buildImagegate,
} from './peers.js';
import { Progress } from './progress.js';
import { BenchResults, type BenchEnvironment, renderReport, type RowResult } from './report.js';
import { type RouteId, type RouteSpec, routes } from './routes.js';
import { currentRssMegabytes, peakRssMegabytes, resetPeakRss } from './rss.js';
import { median, percentile } from './stats.js';
import { benchPlan, type Workload } from './workloads.js';

const argv = process.argv.slice(3);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];

const quick = flag('quick');
const only = option('only')?.split(',') as RouteId[] | undefined;
const outPath = option('out') ?? (quick ? 'bench/results/quick.md' : 'bench/results/latest.md');
const snapshotRef = option('at');
const plan = benchPlan(quick);
const progress = new Progress();
const notes: string[] = [];

const activeRoutes = routes.filter((route) => !only || only.includes(route.id) || route.id === 'direct');
const unavailable = new Map<RouteId, string>();
if (flag('skip-peers')) {
  unavailable.set('nginx', 'skipped (--skip-peers)');
  unavailable.set('portkey-chat', 'skipped (--skip-peers)');
}
if (!unavailable.has('nginx')) {
  const missing = nginxMissingNote();
  if (missing) {
    unavailable.set('nginx', missing);
    progress.line(`nginx row skipped: ${missing}`);
  }
}
if (!unavailable.has('portkey-chat') && activeRoutes.some((route) => route.id === 'portkey-chat')) {
  const problem = ensurePortkeyInstalled((line) => progress.line(line));
  if (problem) unavailable.set('portkey-chat', problem);
}

const loadAtStart = loadavg()[0];
const snapshotCommit = snapshotRef ? useImagegateSnapshot(snapshotRef) : undefined;
if (!snapshotCommit) buildImagegate();
const upstream = await launchFixedUpstream();
const bodies = new Map<string, Buffer>();
const bodyFor = (protocol: Protocol, size: SizeClass) => {
  const key = `${protocol}:${size}`;
  if (!bodies.has(key)) bodies.set(key, requestBody(protocol, size));
  return bodies.get(key) as Buffer;
};
const expected = new Map<string, ImageFingerprint>();
const fingerprint = (kind: SizeClass | 'stream8MB') => {
  if (!expected.has(kind)) expected.set(kind, answerFingerprint(kind));
  return expected.get(kind) as ImageFingerprint;
};

async function upstreamRequests(): Promise<number> {
  const answer = await request(`${upstream.origin}${STATS_PATH}`);
  return ((await answer.body.json()) as UpstreamStats).requests;
}

const runsWorkload = (route: RouteSpec, workload: Workload) =>
  route.workloads === undefined || route.workloads.includes(workload.id);
const totalRows =
  plan.matrix.reduce(
    (sum, workload) =>
      sum + workload.rounds * activeRoutes.filter((route) => runsWorkload(route, workload)).length,
    0,
  ) +
  plan.memory.routes.filter((id) => activeRoutes.some((route) => route.id === id)).length +
  plan.stream.routes.filter((id) => activeRoutes.some((route) => route.id === id)).length;
let rowNumber = 0;
const results: RowResult[] = [];

type Section = RowResult['section'];

/** Starts the route's proxy fresh, warms it, measures, checks, and always stops it. */
async function runRow(
  route: RouteSpec,
  workload: Workload,
  section: Section,
  stream = false,
  round = 1,
): Promise<RowResult> {
  rowNumber += 1;
  const row: RowResult = {
    section,
    workloadId: workload.id,
    workloadLabel: workload.label,
    routeId: route.id,
    routeLabel: route.label,
    state: 'ok',
    sent: 0,
    checked: 0,
  };
  const roundNote = workload.rounds > 1 ? ` (round ${round}/${workload.rounds})` : '';
  const title = `[${rowNumber}/${totalRows}] ${workload.label} · ${route.label}${roundNote}`;
  const skipped = unavailable.get(route.id);
  if (skipped) {
    progress.line(`${title}: skipped — ${skipped}`);
    return { ...row, state: 'skipped', note: skipped };
  }
  let proxy: RunningProxy | undefined;
  try {
    progress.update(`${title}: starting`);
    proxy = route.start ? await route.start(upstream.origin) : undefined;
    const target: Omit<LoadPlan, 'concurrency' | 'count' | 'maxSeconds'> = {
      origin: proxy?.origin ?? upstream.origin,
      path: route.path(stream),
      headers: route.headers(upstream.origin),
      body: bodyFor(route.protocol, workload.size),
      expected: fingerprint(stream ? 'stream8MB' : workload.size),
      sse: stream,
    };
    progress.update(`${title}: warming up`);
    // A fresh Node process serves its first few thousand requests on code V8 is still compiling
    // (imagegate, 1 KB one at a time: p50 1.97 ms after 200 calls, 1.09 ms after 3,000). So every
    // proxy first serves the same small unary calls, and each row measures a process in service,
    // not one starting up. Stream rows warm up on these alone: their one-stream memory reading
    // starts from a heap that has never held an 8 MB event.
    const smallCalls = {
      ...target,
      path: route.path(false),
      body: bodyFor(route.protocol, '1KB'),
      expected: fingerprint('1KB'),
      sse: false,
    };
    const warmUps: LoadPlan[] = [{ ...smallCalls, concurrency: 8, count: plan.settleCalls, maxSeconds: 120 }];
    if (!stream) {
      const concurrency = Math.min(workload.concurrency, workload.warmup);
      warmUps.push({ ...target, concurrency, count: workload.warmup, maxSeconds: 120 });
    }
    for (const warmUp of warmUps) {
      const warm = await runLoad(warmUp);
      if (warm.failures === 0) continue;
      if (route.id === 'imagegate-chat' && warm.firstFailureStatus === 404 && warm.failures === warm.sent) {
        const note = `\`POST /v1/chat/completions\` answered 404: the chat door is not registered yet`;
        unavailable.set(route.id, note);
        progress.line(`${title}: skipped — ${note}`);
        return { ...row, state: 'skipped', note };
      }
      throw new Error(`warm-up: ${warm.firstFailure}`);
    }
    const pid = proxy?.service.pid;
    if (stream && pid !== undefined) {
      // One stream alone, from a quiet baseline: how much memory relaying one event costs.
      const baseline = currentRssMegabytes(pid);
      resetPeakRss(pid);
      const single = await runLoad({ ...target, concurrency: 1, count: 1, maxSeconds: 60 });
      if (single.failures > 0) throw new Error(single.firstFailure);
      row.oneStreamRssGrowthMb = peakRssMegabytes(pid) - baseline;
    }
    if (stream) row.eventMb = fingerprint('stream8MB').length / (1024 * 1024);
    if (pid !== undefined) resetPeakRss(pid);
    const before = await upstreamRequests();
    const started = Date.now();
    const load = await runLoad({
      ...target,
      concurrency: workload.concurrency,
      count: workload.count,
      maxSeconds: workload.maxSeconds,
      onProgress: (done) =>
        progress.update(
          `${title}: ${done}/${workload.count} · ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ),
    });
    const seenByUpstream = (await upstreamRequests()) - before;
    row.sent = load.sent;
    row.checked = load.latenciesMs.length;
    row.p50 = percentile(load.latenciesMs, 0.5);
    row.p99 = percentile(load.latenciesMs, 0.99);
    row.requestsPerSecond = load.latenciesMs.length / load.seconds;
    if (pid !== undefined) row.peakRssMb = peakRssMegabytes(pid);
    if (load.failures > 0) {
      row.state = 'failed';
      row.note = `${load.failures}/${load.sent} wrong answers; first: ${load.firstFailure}`;
    } else if (seenByUpstream !== load.sent) {
      row.state = 'failed';
      row.note = `the upstream saw ${seenByUpstream} requests, the row sent ${load.sent}`;
    }
  } catch (error) {
    row.state = 'failed';
    row.note = (error as Error).message.split('\n')[0].slice(0, 300);
  } finally {
    await proxy?.service.stop();
  }
  const summary =
    row.state === 'ok'
      ? `p50 ${row.p50?.toFixed(2)} ms · p99 ${row.p99?.toFixed(2)} ms · ${row.requestsPerSecond?.toFixed(1)} req/s${
          row.peakRssMb === undefined ? '' : ` · peak ${Math.round(row.peakRssMb)} MB`
        }`
      : `${row.state.toUpperCase()} — ${row.note}`;
  progress.line(`${title}: ${summary}`);
  return row;
}

/** One row of each round merged: medians of p50, p99 and req/s, the highest peak RSS, all checks. */
function mergeRounds(rounds: RowResult[]): RowResult {
  if (rounds.length === 1) return rounds[0];
  const measured = rounds.filter((row) => row.state === 'ok');
  const failed = rounds.find((row) => row.state === 'failed');
  const middle = (pick: (row: RowResult) => number | undefined) => {
    const values = measured.map(pick).filter((value): value is number => value !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const peaks = measured.map((row) => row.peakRssMb).filter((value): value is number => value !== undefined);
  return {
    ...rounds[0],
    state: failed ? 'failed' : measured.length > 0 ? 'ok' : rounds[0].state,
    note: failed?.note ?? (measured.length > 0 ? undefined : rounds[0].note),
    sent: rounds.reduce((sum, row) => sum + row.sent, 0),
    checked: rounds.reduce((sum, row) => sum + row.checked, 0),
    p50: middle((row) => row.p50),
    p99: middle((row) => row.p99),
    requestsPerSecond: middle((row) => row.requestsPerSecond),
    peakRssMb: peaks.length > 0 ? Math.max(...peaks) : undefined,
  };
}

try {
  for (const workload of plan.matrix) {
    const workloadRoutes = activeRoutes.filter((route) => runsWorkload(route, workload));
    const rounds: RowResult[][] = workloadRoutes.map(() => []);
    for (let round = 1; round <= workload.rounds; round++) {
      for (const [index, route] of workloadRoutes.entries()) {
        rounds[index].push(await runRow(route, workload, 'matrix', false, round));
      }
    }
    results.push(...rounds.map(mergeRounds));
  }
  for (const route of activeRoutes.filter((candidate) => plan.memory.routes.includes(candidate.id))) {
    results.push(await runRow(route, plan.memory, 'memory'));
  }
  const streamWorkload: Workload = {
    id: 'stream8MB',
    label: plan.stream.label,
    size: '1KB',
    concurrency: 1,
    count: plan.stream.count,
    warmup: 0,
    rounds: 1,
    maxSeconds: 60,
  };
  for (const route of activeRoutes.filter((candidate) => plan.stream.routes.includes(candidate.id))) {
    results.push(await runRow(route, streamWorkload, 'stream', true));
  }
} finally {
  await upstream.stop();
}

function commandOutput(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}

function portkeyVersion(): string {
  try {
    const manifest = `${PEERS_DIR}/node_modules/@portkey-ai/gateway/package.json`;
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const environment: BenchEnvironment = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  mode: quick ? 'quick' : 'full',
  settleCalls: plan.settleCalls,
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
  commit: snapshotCommit
    ? `${snapshotCommit} (snapshot)`
    : (() => {
        try {
          return `${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()} + working tree`;
        } catch {
          return 'working tree';
        }
      })(),
  nginx: unavailable.has('nginx')
    ? 'nginx not run'
    : commandOutput(NGINX_BINARY, ['-v']).replace('nginx version: ', ''),
  portkey: portkeyVersion(),
};
const loadAtEnd = loadavg()[0];
if (Math.max(loadAtStart, loadAtEnd) > cpus().length / 2) {
  notes.push(
    `Other work shared the machine: 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end, on ${cpus().length} cores; absolute times are inflated and ratios noisier than on a quiet machine.`,
  );
}
const repeated = plan.matrix.filter((workload) => workload.rounds > 1);
if (repeated.length > 0) {
  const rounds = [...new Set(repeated.map((workload) => workload.rounds))].join(' or ');
  notes.push(
    `${repeated.length === plan.matrix.length ? 'Every matrix row' : repeated.map((workload) => workload.label).join('; ')}: each route ran ${rounds} interleaved rounds, each on a fresh proxy; p50, p99 and req/s are their medians, peak RSS the highest, and "answers checked" counts every round.`,
  );
}
if (quick)
  notes.push('Quick smoke run: counts are small, so p99 is close to the maximum and ratios are noisy.');
for (const [id, note] of unavailable) notes.push(`${id}: ${note}`);

const report = renderReport(
  new BenchResults(results),
  environment,
  activeRoutes.map((route) => ({ id: route.id, label: route.label })),
  notes,
);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, report);
process.stdout.write(report);
progress.line(`saved ${outPath}`);
process.exitCode = results.some((row) => row.state === 'failed') ? 1 : 0;
