// One soak run from start to verdict: upstreams, the gateway in a child process, keys, traffic and
// probes for `durationSeconds`, then the end-of-run probes, the database and the log, and the checks.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { peakRssMegabytes } from '../rss.js';
import { exchange } from './clients.js';
import {
  answerChecks,
  billingChecks,
  type Check,
  edgeChecks,
  healthzCheck,
  imagesBilledCheck,
  imagesChargedCheck,
  rssChecks,
} from './checks.js';
import { prepareDatabase } from './database.js';
import { adminKey, createKey, readGauge, startGatewayProcess } from './gateway-process.js';
import { readLedgerState } from './ledger-state.js';
import { type KeyName, keyPlan, type MixContext, normalRequest, runScenario, scenarios } from './mix.js';
import { Observations } from './observations.js';
import { startProber } from './prober.js';
import { storedRowsWithKeys } from './stored-text.js';
import { formatReport } from './report.js';
import { geminiEdit, geminiHeaders, geminiPath, makeImages } from './requests.js';
import { models, startSoakUpstreams } from './upstreams.js';

export interface SoakOptions {
  durationSeconds: number;
  faultRate: number;
  concurrency: number;
  /** Run only the hostile scenarios whose name contains this text (all when undefined). */
  only?: string;
  /** A PostgreSQL server URL: the gateway then keeps its data in a throwaway schema there. */
  postgresUrl?: string;
}

export interface SoakResult {
  checks: Check[];
  report: string;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function currentCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown commit';
  }
}

/** Log lines of the gateway that contain any provider key. */
function scanLog(path: string, providerKeys: readonly string[]): { lines: number; withKeys: number } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const withKeys = lines.filter((line) => providerKeys.some((key) => line.includes(key))).length;
  return { lines: lines.length, withKeys };
}

export async function runSoak(options: SoakOptions, progress: (line: string) => void): Promise<SoakResult> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0];
  const images = await makeImages();
  const database = await prepareDatabase(options.postgresUrl);
  const upstreams = await startSoakUpstreams({ faultRate: options.faultRate });
  const gateway = await startGatewayProcess(upstreams.channels, database.url).catch(
    async (error: unknown) => {
      await upstreams.close();
      await database.dispose();
      throw error;
    },
  );
  try {
    const keys = {} as Record<KeyName, string>;
    const keyNames = new Map<string, string>();
    for (const [name, limit] of Object.entries(keyPlan) as Array<[KeyName, number | undefined]>) {
      const created = await createKey(gateway, `soak-${name}`, limit);
      keys[name] = created.key;
      keyNames.set(created.id, name);
    }
    progress(`gateway pid ${gateway.pid} at ${gateway.url}, data in ${gateway.dataDir}`);

    const observations = new Observations(upstreams.providerKeys);
    const durationMilliseconds = options.durationSeconds * 1000;
    const context: MixContext = {
      url: gateway.url,
      keys,
      images,
      observations,
      endsAt: 0,
      uploads: [],
      stalls: [],
    };
    // One ordinary request of each kind first: the gateway loads some modules on first use, a
    // one-off cost that is not what the prober is there to catch.
    for (let sequence = 0; sequence < 12; sequence += 1) await normalRequest(context, sequence);
    context.endsAt = Date.now() + durationMilliseconds;
    const prober = startProber(gateway.url, gateway.pid);
    const forgetter = setInterval(() => upstreams.forgetRecords(), 1000);
    const ticker = setInterval(() => progress(`… ${observations.answers} answers`), 30_000);
    const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let sequence = worker; Date.now() < context.endsAt; sequence += options.concurrency)
        await normalRequest(context, sequence);
    });
    // Stagger the hostile scenarios so they do not all land in the same second.
    const chosen = scenarios.filter(
      (scenario) => options.only === undefined || scenario.name.includes(options.only),
    );
    const hostile = chosen.map((scenario, index) => runScenario(context, scenario, 1000 + index * 700));
    await Promise.all([...workers, ...hostile]);
    clearInterval(ticker);
    clearInterval(forgetter);

    // After the run: reservations released, and a large request served at once.
    let bodyMemoryAtEnd = await readGauge(gateway, 'imagegate_body_memory_bytes');
    for (let waited = 0; waited < 5000 && bodyMemoryAtEnd !== 0; waited += 250) {
      await sleep(250);
      bodyMemoryAtEnd = await readGauge(gateway, 'imagegate_body_memory_bytes');
    }
    const largeStarted = Date.now();
    const largePath = geminiPath(models.local);
    const large = await exchange(`${gateway.url}${largePath}`, {
      headers: geminiHeaders(keys.main),
      body: geminiEdit('grayscale', images.large),
      timeoutMs: 30_000,
    });
    observations.record({
      scenario: 'large request after the run',
      path: largePath,
      keyName: 'main',
      ...large,
    });
    const largeRequestAtEnd = { status: large.status, milliseconds: Date.now() - largeStarted };

    // Every page that shows upstream errors or configuration, read once more at the end.
    for (const [path, key] of [
      ['/metrics', undefined],
      ['/status.json', undefined],
      ['/readyz', undefined],
      ['/v1beta/models', keys.main],
      ['/v1/models', keys.main],
      ['/admin/channels', adminKey],
      ['/admin/keys', adminKey],
    ] as const) {
      const reply = await exchange(`${gateway.url}${path}`, {
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      });
      observations.record({ scenario: 'pages read after the run', path, ...reply });
    }

    const peakMegabytes = peakRssMegabytes(gateway.pid);
    const { probes, failures, rss } = await prober.stop();
    await gateway.stop();
    const log = scanLog(gateway.logPath, upstreams.providerKeys);
    const ledger = await readLedgerState(gateway.dataDir, database.url, [...keyNames.keys()]);
    const stored = await storedRowsWithKeys(gateway.dataDir, database.url, upstreams.providerKeys);

    const checks = [
      ...billingChecks(ledger, keyNames),
      imagesBilledCheck(observations, ledger, keyNames),
      imagesChargedCheck(ledger, keyNames),
      ...answerChecks(observations, {
        logLines: log.lines,
        logLinesWithKeys: log.withKeys,
        storedRows: stored.rows,
        storedRowsWithKeys: stored.withKeys,
      }),
      healthzCheck(probes, failures),
      ...rssChecks(rss, durationMilliseconds, peakMegabytes),
      ...edgeChecks(context.uploads, context.stalls, bodyMemoryAtEnd, largeRequestAtEnd),
    ];
    const report = formatReport(
      { ...options, startedAt, commit: currentCommit(), loadAverages: [loadAtStart, loadavg()[0]] },
      observations,
      checks,
    );
    return { checks, report };
  } finally {
    await gateway.stop();
    await upstreams.close();
    await database.dispose();
  }
}
