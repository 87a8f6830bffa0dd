// `imagegate serve` with `server.workers: 2`, as a user runs it: two worker processes share the
// port, per-key limits hold across them, reads see what every worker answered, metrics are summed,
// a worker that dies is replaced (its journaled settles charged), and SIGTERM drains them all.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey, migrateToLatest, openDatabase } from '../../src/store/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
const bootstrapKey = 'workers-bootstrap-key';
const adminKey = 'workers-admin-key';

let sim: UpstreamSim;
/** A second route that answers without an image: only a retest pinned to it reaches it. */
let broken: UpstreamSim;
/** The first route planned, always failing with 503: its circuit opens after two failures. */
let flaky: UpstreamSim;
let dataDir: string;
let primary: ChildProcess;
let url: string;

/** Pids of the primary's worker processes, read from /proc (not tsx's esbuild service, say). */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (parentPid === primary.pid && command.includes('imagegate.js')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.sort((a, b) => a - b);
}

async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One request on a connection of its own, so the primary deals it to the next worker in turn. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${url}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function generate(key: string, requestId: string) {
  return send(
    'POST',
    `/v1beta/models/${model}:generateContent`,
    { 'content-type': 'application/json', 'x-goog-api-key': key, 'x-request-id': requestId },
    JSON.stringify({
      contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
      generationConfig: { responseModalities: ['IMAGE'] },
    }),
  );
}

/** Requests in the usage report; `whileStarting`: 0 while the worker that answers is not ready (503). */
async function usageRequests(keyName: string, whileStarting = false): Promise<number> {
  const answer = await send('GET', `/admin/usage?key=${keyName}`, { authorization: `Bearer ${adminKey}` });
  if (whileStarting && answer.status === 503) return 0;
  expect(answer.status).toBe(200);
  const usage = JSON.parse(answer.text) as { usage: Array<{ requests: number }> };
  return usage.usage.reduce((sum, row) => sum + row.requests, 0);
}

async function metricSum(name: string): Promise<number> {
  const answer = await send('GET', '/metrics', {});
  expect(answer.status).toBe(200);
  let sum = 0;
  for (const line of answer.text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0, faults: ['latency:300ms'] });
  broken = await startUpstreamSim({ port: 0, faults: ['no-image'] });
  flaky = await startUpstreamSim({ port: 0, faults: ['503'] });
  dataDir = mkdtempSync(join(tmpdir(), 'imagegate-workers-'));
  const configPath = join(dataDir, 'imagegate.yaml');
  // Settles wait a minute for their batch: only commit rounds and replays make reads see them.
  writeFileSync(
    configPath,
    `server: { workers: 2 }\nbilling: { settleBatchMs: 60000 }\nretest: { enabled: false }\nrouting: { circuit: { failureThreshold: 2, openMs: 600000 } }\nchannels:\n${simChannelYaml('flaky', flaky.url, [model], '    priority: 2\n')}${simChannelYaml('sim', sim.url, [model])}${simChannelYaml('broken', broken.url, [model], '    priority: -1\n')}`,
  );
  const setup = await openDatabase(undefined, dataDir);
  await migrateToLatest(setup.db);
  await createClientKey(setup.db, { name: 'one-at-a-time', value: 'one-at-a-time', concurrencyLimit: 1 });
  await createClientKey(setup.db, { name: 'three-a-minute', value: 'three-a-minute', requestsPerMinute: 3 });
  await createClientKey(setup.db, { name: 'held', value: 'held', spendLimitMicros: 1_000_000_000 });
  await createClientKey(setup.db, { name: 'circuit', value: 'circuit' });
  await setup.close();

  primary = spawn(process.execPath, ['bin/imagegate.js', 'serve', '--port', '0', '--config', configPath], {
    env: {
      ...process.env,
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_BOOTSTRAP_KEY: bootstrapKey,
      IMAGEGATE_ADMIN_KEY: adminKey,
      IMAGEGATE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let logs = '';
  primary.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  primary.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(output)?.[1], 'the first worker to listen');
  await waitFor(
    () => (logs.includes('every worker process is listening') ? true : undefined),
    'both workers',
  );
  expect(output).toMatch(/starting 2 worker processes/);
}, 60_000);

afterAll(async () => {
  if (primary.exitCode === null) primary.kill('SIGKILL');
  await sim.close();
  await broken.close();
  await flaky.close();
});

describe('serve with two worker processes', () => {
  it('opens a circuit on the failures both workers saw, and both stop calling that route', async () => {
    const flakyCalls = () =>
      flaky.received.filter((request) => request.path.includes(':generateContent')).length;
    // Two requests on new connections: one failure on each worker, two for the node (the threshold).
    for (const index of [0, 1]) expect((await generate('circuit', `circuit-${index}`)).status).toBe(200);
    expect(flakyCalls()).toBe(2);
    // Workers re-read the node's circuits every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const index of [2, 3, 4, 5])
      expect((await generate('circuit', `circuit-${index}`)).status).toBe(200);
    expect(flakyCalls()).toBe(2);
  });

  it('runs two workers that take turns with new connections, both ready', async () => {
    expect(workerPids()).toHaveLength(2);
    for (const _ of [0, 1]) expect((await send('GET', '/readyz', {})).status).toBe(200);
    for (let index = 0; index < 4; index++) {
      expect((await generate('held', `turns-${index}`)).status).toBe(200);
    }
    // Holds of a key with a spend limit name the process that placed them.
    const store = await openDatabase(undefined, dataDir);
    const owners = await store.db
      .selectFrom('holds')
      .select('owner')
      .where('request_id', 'in', (log) =>
        log.selectFrom('request_log').select('id').where('client_request_id', 'like', 'turns-%'),
      )
      .execute();
    await store.close();
    const pids = new Set(owners.map((row) => Number(row.owner?.split(':')[1])));
    expect([...pids].sort((a, b) => a - b)).toEqual(workerPids());
  });

  it('keeps a concurrency limit of 1 across both workers', { timeout: 20_000 }, async () => {
    const answers = await Promise.all(
      [0, 1, 2, 3].map((index) => generate('one-at-a-time', `concurrent-${index}`)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 429, 429, 429]);
    const refused = answers.find((answer) => answer.status === 429);
    expect(refused?.text).toMatch(/may have 1 request\(s\) in flight/);
  });

  it('counts requests per minute over both workers', { timeout: 20_000 }, async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++)
      statuses.push((await generate('three-a-minute', `rpm-${index}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('shows every worker’s answers in an admin read at once', async () => {
    expect(await usageRequests('held')).toBe(4);
    expect(await usageRequests('three-a-minute')).toBe(6);
    expect(await usageRequests('one-at-a-time')).toBe(4);
  });

  it('sums the metrics of both workers, whichever answers the scrape', async () => {
    const answered = 6 + 4 + 4 + 6;
    expect(await metricSum('imagegate_requests_total')).toBe(answered);
    expect(await metricSum('imagegate_requests_total')).toBe(answered);
  });

  it('pins retests to their route on whichever worker their requests reach', {
    timeout: 60_000,
  }, async () => {
    // The retest's own requests go through the shared port, so another worker may serve them: it
    // must honour the pin (one internal token per node) and accept the rotated retest key.
    for (const channel of ['broken', 'broken', 'sim']) {
      const answer = await send(
        'POST',
        '/admin/retest',
        { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        JSON.stringify({ channel }),
      );
      expect(answer.status).toBe(200);
      const { results } = JSON.parse(answer.text) as {
        results: Array<{ channel: string; outcome: string; door: string; doorAvailable: boolean }>;
      };
      const tried = results.filter((result) => result.doorAvailable);
      expect(tried.length).toBeGreaterThan(0);
      for (const result of tried) {
        expect(result.channel).toBe(channel);
        expect(result.outcome).toBe(channel === 'sim' ? 'pass' : 'no_image');
      }
    }
  });

  it('replaces a worker that was killed and charges the answers it had only journaled', {
    timeout: 30_000,
  }, async () => {
    const before = workerPids();
    const answers = await Promise.all([0, 1, 2, 3].map((index) => generate(bootstrapKey, `killed-${index}`)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    process.kill(before[1], 'SIGKILL');
    const after = await waitFor(() => {
      const pids = workerPids();
      return pids.length === 2 && !pids.includes(before[1]) ? pids : undefined;
    }, 'a new worker');
    expect(after).toContain(before[0]);
    const afterKill = await generate(bootstrapKey, 'after-kill');
    expect(afterKill.status, afterKill.text).toBe(200);
    // The new worker's start replays the dead one's journal: on a loaded machine that takes a while,
    // so wait for the count to reach the five answers (four before the kill, one after), never more.
    // A worker still starting may answer 503 meanwhile.
    const deadline = Date.now() + 20_000;
    let requests = await usageRequests('bootstrap', true);
    while (requests < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      requests = await usageRequests('bootstrap', true);
    }
    expect(requests).toBe(5);
  });

  it('drains both workers on SIGTERM and leaves every hold closed and the sums balanced', {
    timeout: 30_000,
  }, async () => {
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    const store = await openDatabase(undefined, dataDir);
    try {
      const totals = await billingTotals(store);
      expect(totals.openHolds).toBe(0);
      expectBalanced(totals);
      // Retests log their own requests too (they send x-request-id retest-…).
      const logged = await store.db
        .selectFrom('request_log')
        .select('id')
        .where((row) =>
          row.or([row('client_request_id', 'is', null), row('client_request_id', 'not like', 'retest-%')]),
        )
        .execute();
      expect(logged).toHaveLength(6 + 4 + 4 + 6 + 5);
    } finally {
      await store.close();
    }
    expect(readdirSync(join(dataDir, 'imagegate.db-settles'))).toEqual([]);
  });
});

describe('serve with two workers on a port that is taken', () => {
  it('stops with exit code 2 and says why, instead of restarting a worker that cannot listen', {
    timeout: 30_000,
  }, async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    const { port } = occupant.address() as { port: number };
    const blockedDir = mkdtempSync(join(tmpdir(), 'imagegate-workers-blocked-'));
    try {
      const child = spawn(process.execPath, ['bin/imagegate.js', 'serve', '--port', String(port)], {
        env: {
          ...process.env,
          IMAGEGATE_DATA_DIR: blockedDir,
          IMAGEGATE_WORKERS: '2',
          IMAGEGATE_LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let logs = '';
      child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      const code = await new Promise<number | null>((resolve) =>
        child.once('exit', (exitCode) => resolve(exitCode)),
      );
      expect(code).toBe(2);
      expect(logs).toContain(`imagegate: cannot listen on 127.0.0.1:${port} (the address is in use)`);
      expect(logs).toMatch(/a worker process stopped before it listened; stopping/);
    } finally {
      occupant.close();
    }
  });
});
