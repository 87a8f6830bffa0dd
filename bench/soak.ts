// Soak run: mixed load on loopback against a gateway whose primary upstream fails a share of calls,
// then checks that no request-log row was lost, no billing hold was left open and RSS stayed flat.
// Usage: npm run soak -- [--duration 600] [--fault-rate 0.2] [--concurrency 8]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/index.js';
import { createGateway } from '../src/server/assemble.js';
import { createLogger } from '../src/server/logger.js';
import { startUpstreamSim } from '../src/sim/index.js';
import sharp from 'sharp';

interface SoakOptions {
  durationSeconds: number;
  faultRate: number;
  concurrency: number;
}

function parseOptions(argv: string[]): SoakOptions {
  const options: SoakOptions = { durationSeconds: 600, faultRate: 0.2, concurrency: 8 };
  for (let index = 0; index < argv.length; index += 2) {
    const value = Number(argv[index + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[index]} needs a positive number`);
    if (argv[index] === '--duration') options.durationSeconds = value;
    else if (argv[index] === '--fault-rate') options.faultRate = Math.min(1, value);
    else if (argv[index] === '--concurrency') options.concurrency = Math.floor(value);
    else throw new Error(`unknown option ${argv[index]}`);
  }
  return options;
}

const model = 'gemini-3.1-flash-image-preview';
const clientKey = 'soak-client-key';

async function main(): Promise<number> {
  const options = parseOptions(
    process.argv.slice(process.argv.findIndex((argument) => argument.endsWith('soak.ts')) + 1),
  );
  const faultKinds = [
    '503',
    '500',
    '429',
    'reset',
    'invalid-json',
    'html-error',
    'truncated-stream',
    'no-image',
  ];
  const primary = await startUpstreamSim({ faults: faultKinds, faultRate: options.faultRate, seed: 7 });
  const secondary = await startUpstreamSim({ seed: 8 });
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-soak-'));
  const channel = (name: string, url: string, priority: number) =>
    `  - name: ${name}\n    provider: gemini-compatible\n    baseUrl: ${url}\n    apiKeys: ["soak-${name}"]\n    models: [${model}]\n    priority: ${priority}\n    timeoutMs: 5000\n`;
  writeFileSync(
    join(dataDir, 'imagegate.yaml'),
    `channels:\n${channel('primary', primary.url, 2)}${channel('secondary', secondary.url, 1)}routing:\n  circuit: { failureThreshold: 5, openMs: 2000 }\nretest: { enabled: false }\n`,
  );
  const config = loadConfig({
    env: {
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_CONFIG: join(dataDir, 'imagegate.yaml'),
      IMAGEGATE_BOOTSTRAP_KEY: clientKey,
    },
  });
  const running = await createGateway(config, { logger: createLogger('silent') });
  const base = await running.app.listen({ port: 0, host: '127.0.0.1' });
  const image = (
    await sharp({ create: { width: 128, height: 96, channels: 3, background: '#c02020' } })
      .png()
      .toBuffer()
  ).toString('base64');

  let sent = 0;
  let logged = 0;
  const statuses = new Map<number, number>();
  const rss: Array<{ at: number; bytes: number }> = [];
  const started = Date.now();
  const endsAt = started + options.durationSeconds * 1000;
  const sampler = setInterval(() => {
    // The sims record every request in memory; they share this process, so forget those records.
    primary.received.length = 0;
    secondary.received.length = 0;
    rss.push({ at: Date.now() - started, bytes: process.memoryUsage().rss });
  }, 1000);

  async function one(worker: number, sequence: number): Promise<void> {
    const kind = sequence % 5;
    const requestId = `soak-${worker}-${sequence}`;
    const target = kind === 3 ? 'local-image-edit' : model;
    const method = kind === 1 ? 'streamGenerateContent?alt=sse' : 'generateContent';
    // Kind 4 is malformed on purpose: a 400 before routing, which writes no log row.
    const body =
      kind === 4
        ? '{"contents": [{"parts": [{"inlineData": {"data": "!!"}}]}]}'
        : JSON.stringify({
            contents: [
              {
                role: 'user',
                parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: image } }],
              },
            ],
          });
    if (kind !== 4) logged += 1;
    sent += 1;
    try {
      const response = await fetch(`${base}/v1beta/models/${target}:${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-goog-api-key': clientKey,
          'x-request-id': requestId,
        },
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    } catch {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
    }
  }

  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let sequence = 0; Date.now() < endsAt; sequence += 1) await one(worker, sequence);
    }),
  );
  clearInterval(sampler);
  await running.gateway.requestLog.flush();
  const db = running.gateway.database.db;
  const rows = await db
    .selectFrom('request_log')
    .select(db.fn.countAll<number>().as('count'))
    .where('id', 'like', 'soak-%')
    .executeTakeFirstOrThrow();
  const openHolds = await sql<{ count: number }>`select count(*) as count from holds where state = 'open'`
    .execute(db)
    .then((result) => Number(result.rows[0]?.count ?? 0))
    .catch(() => undefined);
  await running.close();
  await Promise.all([primary.close(), secondary.close()]);

  // RSS: the second window against the last one (a minute each on a full run, a fifth on short runs).
  const window = Math.min(60_000, (options.durationSeconds * 1000) / 5);
  const average = (from: number, to: number) => {
    const inside = rss.filter((sample) => sample.at >= from && sample.at < to);
    return inside.reduce((sum, sample) => sum + sample.bytes, 0) / Math.max(1, inside.length);
  };
  const early = average(window, 2 * window);
  const late = average(options.durationSeconds * 1000 - window, options.durationSeconds * 1000 + 1);
  const growth = late / early - 1;
  const failures: string[] = [];
  if (Number(rows.count) !== logged)
    failures.push(`request-log rows ${rows.count} != routed requests sent ${logged}`);
  if (openHolds !== undefined && openHolds > 0) failures.push(`${openHolds} billing holds left open`);
  if (Math.abs(growth) > 0.2) failures.push(`RSS moved ${(growth * 100).toFixed(1)} % (limit 20 %)`);
  if ((statuses.get(500) ?? 0) > 0) failures.push(`${statuses.get(500)} answers were HTTP 500`);

  const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  process.stdout.write(
    [
      `soak: ${options.durationSeconds} s, concurrency ${options.concurrency}, fault rate ${options.faultRate}`,
      `requests sent: ${sent} (routed ${logged}), request-log rows: ${rows.count}`,
      `statuses: ${[...statuses.entries()].map(([status, count]) => `${status}×${count}`).join(' ')}`,
      `open holds: ${openHolds ?? 'n/a (no holds table yet)'}`,
      `RSS: early window ${megabytes(early)}, last window ${megabytes(late)} (${(growth * 100).toFixed(1)} %)`,
      failures.length === 0 ? 'PASS' : `FAIL\n  ${failures.join('\n  ')}`,
      '',
    ].join('\n'),
  );
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
