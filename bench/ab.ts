// `npm run bench:ab -- --a=<ref> --b=<ref> [--rounds=3] [--rows=stream8MB,1KBx1,1KBx32,10MBx32,10MBx64]`
// (or `--refs=<ref>,<ref>,…` for more sides): imagegate built from each commit (kept built under
// $TMPDIR/imagegate-ab), served in interleaved rounds (A, B, A, B, …), each on a fresh process
// against the fixed upstream. Each row reads the gateway's CPU time (utime + stime of
// /proc/<pid>/stat, every thread) before and after, and prints CPU ms per request, req/s and peak RSS;
// every answer is checked as bench/load.ts does (a round with a wrong answer is reported and left
// out of the medians). Ends with each row's median and min–max per side.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { launchFixedUpstream, STATS_PATH, type UpstreamStats } from './fixed-upstream.js';
import { type LoadPlan, runLoad } from './load.js';
import {
  answerFingerprint,
  BENCH_MODEL,
  type ImageFingerprint,
  type ImageKind,
  requestBody,
  type SizeClass,
} from './payloads.js';
import { IMAGEGATE_CLIENT_KEY, imagegateSnapshot, startImagegate } from './peers.js';
import { currentRssMegabytes, peakRssMegabytes, resetPeakRss } from './rss.js';
import { median } from './stats.js';

interface Row {
  id: string;
  size: SizeClass;
  concurrency: number;
  count: number;
  maxSeconds: number;
  stream?: boolean;
}

// The stream row comes first: its one-stream RSS growth is read on a heap that has held no big body.
const allRows: Row[] = [
  { id: 'stream8MB', size: '1KB', concurrency: 1, count: 3, maxSeconds: 60, stream: true },
  { id: '1KBx1', size: '1KB', concurrency: 1, count: 200, maxSeconds: 30 },
  { id: '1KBx32', size: '1KB', concurrency: 32, count: 1000, maxSeconds: 40 },
  { id: '10MBx32', size: '10MB', concurrency: 32, count: 32, maxSeconds: 90 },
  { id: '10MBx64', size: '10MB', concurrency: 64, count: 64, maxSeconds: 90 },
];
const defaultRows = ['stream8MB', '1KBx1', '1KBx32', '10MBx32'];

const argv = process.argv.slice(3);
const option = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const rounds = Number(option('rounds') ?? 3);
const rowIds = option('rows')?.split(',') ?? defaultRows;
const rows = allRows.filter((row) => rowIds.includes(row.id));
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Measure {
  cpuMsPerRequest: number;
  requestsPerSecond: number;
  peakRssMb: number;
  /** Stream row: peak RSS growth while relaying one stream alone, from a quiet baseline. */
  oneStreamGrowthMb?: number;
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; fields[0] here is field 3 (the state).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

const refs = option('refs')?.split(',') ?? [option('a') ?? 'main', option('b') ?? 'HEAD'];
const cacheRoot = join(tmpdir(), 'imagegate-ab');
const sides = refs.map((ref, index) => ({
  name: String.fromCharCode(65 + index),
  ...imagegateSnapshot(ref, cacheRoot),
}));
const sideNames = sides.map((side) => `${side.name} = ${side.commit}`).join(' · ');
process.stderr.write(`${sideNames}; ${rounds} rounds of ${rows.map((row) => row.id)}\n`);

const upstream = await launchFixedUpstream();
const headers = { 'content-type': 'application/json', 'x-goog-api-key': IMAGEGATE_CLIENT_KEY };
const path = (stream: boolean) =>
  `/v1beta/models/${BENCH_MODEL}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
const bodies = new Map<SizeClass, Buffer>();
const bodyOf = (size: SizeClass) => {
  if (!bodies.has(size)) bodies.set(size, requestBody('gemini', size));
  return bodies.get(size) as Buffer;
};
const expected = new Map<ImageKind, ImageFingerprint>();
const fingerprintOf = (kind: ImageKind) => {
  if (!expected.has(kind)) expected.set(kind, answerFingerprint(kind));
  return expected.get(kind) as ImageFingerprint;
};

async function upstreamRequests(): Promise<number> {
  const answer = await request(`${upstream.origin}${STATS_PATH}`);
  return ((await answer.body.json()) as UpstreamStats).requests;
}

/** Runs a load and fails on any wrong answer or on a count the upstream did not see. */
async function checkedLoad(plan: LoadPlan): Promise<{ checked: number; seconds: number }> {
  const before = await upstreamRequests();
  const load = await runLoad(plan);
  const seen = (await upstreamRequests()) - before;
  if (load.failures > 0) throw new Error(`${load.failures}/${load.sent} wrong answers: ${load.firstFailure}`);
  if (seen !== load.sent) throw new Error(`the upstream saw ${seen} requests, the load sent ${load.sent}`);
  return { checked: load.latenciesMs.length, seconds: load.seconds };
}

async function runRound(directory: string): Promise<Map<string, Measure>> {
  const proxy = await startImagegate(upstream.origin, { directory });
  const pid = proxy.service.pid;
  const target = (size: SizeClass, stream = false) => ({
    origin: proxy.origin,
    path: path(stream),
    headers,
    body: bodyOf(size),
    expected: fingerprintOf(stream ? 'stream8MB' : size),
    sse: stream,
  });
  const results = new Map<string, Measure>();
  try {
    // A fresh process first serves small calls, so rows measure code V8 has compiled (bench/run.ts).
    await checkedLoad({ ...target('1KB'), concurrency: 8, count: 1000, maxSeconds: 60 });
    for (const row of rows) {
      let oneStreamGrowthMb: number | undefined;
      if (row.stream) {
        const baseline = currentRssMegabytes(pid);
        resetPeakRss(pid);
        await checkedLoad({ ...target(row.size, true), concurrency: 1, count: 1, maxSeconds: 60 });
        oneStreamGrowthMb = peakRssMegabytes(pid) - baseline;
      } else if (row.size === '10MB') {
        await checkedLoad({ ...target(row.size), concurrency: 4, count: 4, maxSeconds: 60 });
      }
      resetPeakRss(pid);
      const cpuBefore = cpuMs(pid);
      let load: { checked: number; seconds: number };
      try {
        load = await checkedLoad({ ...target(row.size, row.stream), ...row });
      } catch (error) {
        process.stderr.write(`  ${row.id} FAILED: ${(error as Error).message.slice(0, 300)}\n`);
        continue;
      }
      results.set(row.id, {
        cpuMsPerRequest: (cpuMs(pid) - cpuBefore) / load.checked,
        requestsPerSecond: load.checked / load.seconds,
        peakRssMb: peakRssMegabytes(pid),
        oneStreamGrowthMb,
      });
    }
  } finally {
    await proxy.service.stop();
  }
  return results;
}

const measured = new Map<string, Measure[]>();
try {
  for (let round = 1; round <= rounds; round += 1) {
    for (const side of sides) {
      const results = await runRound(side.directory);
      for (const [id, measure] of results) {
        const key = `${side.name} ${id}`;
        measured.set(key, [...(measured.get(key) ?? []), measure]);
        const growth =
          measure.oneStreamGrowthMb === undefined
            ? ''
            : ` · one stream +${measure.oneStreamGrowthMb.toFixed(1)} MB`;
        process.stderr.write(
          `round ${round} ${side.name} ${id}: ${measure.cpuMsPerRequest.toFixed(3)} CPU ms/req · ${measure.requestsPerSecond.toFixed(1)} req/s · peak ${Math.round(measure.peakRssMb)} MB${growth}\n`,
        );
      }
    }
  }
} finally {
  await upstream.stop();
}

const spread = (values: number[], digits: number) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
const lines = [
  `A/B ${new Date().toISOString().slice(0, 16)}Z · ${sideNames} · ${rounds} interleaved rounds · median (min–max)`,
  '',
  '| row | side | CPU ms/request | req/s | peak RSS MB | one-stream RSS growth MB |',
  '|---|---|---|---|---|---|',
];
for (const row of rows) {
  for (const side of sides) {
    const values = measured.get(`${side.name} ${row.id}`) ?? [];
    if (values.length === 0) continue;
    const growth = values.map((value) => value.oneStreamGrowthMb).filter((value) => value !== undefined);
    lines.push(
      `| ${row.id} | ${side.name} | ${spread(
        values.map((value) => value.cpuMsPerRequest),
        3,
      )} | ${spread(
        values.map((value) => value.requestsPerSecond),
        1,
      )} | ${spread(
        values.map((value) => value.peakRssMb),
        0,
      )} | ${growth.length > 0 ? spread(growth, 1) : ''} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
