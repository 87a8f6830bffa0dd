// `imagegate retest --door <door>` for the Responses and Interactions doors, in another process
// against a running gateway: the offline engine passes on its pixels; upstream-sim channels that hand back the input unedited or
// answer without an image fail; /status, /status.json and `imagegate report` show the door's routes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const run = promisify(execFile);
const simModel = 'gemini-3.1-flash-image';
let unedited: UpstreamSim;
let imageless: UpstreamSim;
let gateway: TestGateway;

interface CliResult {
  model: string;
  channel: string;
  door: string;
  outcome: string;
  reasons: string[];
  metrics: { blueBorderShare?: number; iou?: number };
}

function imagegate(...args: string[]) {
  return run(process.execPath, ['bin/imagegate.js', ...args], {
    env: {
      ...process.env,
      IMAGEGATE_DATA_DIR: gateway.dataDir,
      IMAGEGATE_CONFIG: join(gateway.dataDir, 'imagegate.yaml'),
      IMAGEGATE_LOG_LEVEL: 'silent',
    },
  }).catch((error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? '', code: error.code }));
}

beforeAll(async () => {
  unedited = await startUpstreamSim({ faults: ['unedited'] });
  imageless = await startUpstreamSim({ faults: ['no-image'] });
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: local
    provider: local
    models: [local-image-edit]
${simChannelYaml('sim-unedited', unedited.url, [simModel])}${simChannelYaml('sim-imageless', imageless.url, [simModel])}routing:
  circuit: { failureThreshold: 1000, openMs: 60000 }
retest:
  enabled: false
`,
  });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await unedited?.close();
  await imageless?.close();
});

const doors = [
  ['openai-responses', 'OpenAI Responses'],
  ['gemini-interactions', 'Gemini Interactions'],
] as const;

/** Each door's retest run, made before any status page is read (the page is cached a few seconds). */
const runs = new Map<string, Awaited<ReturnType<typeof imagegate>>>();
beforeAll(async () => {
  for (const [door] of doors) runs.set(door, await imagegate('retest', '--door', door, '--json'));
}, 240_000);

describe.each(doors)('retests through the %s door', (door, label) => {
  let results: CliResult[] = [];

  it(`imagegate retest --door ${door} passes the offline engine and fails the bad sims`, async () => {
    const answer = runs.get(door)!;
    results = JSON.parse(answer.stdout).results;
    expect(results.map((result) => result.door)).toEqual(results.map(() => door));
    const byChannel = Object.fromEntries(results.map((result) => [result.channel, result]));
    expect(byChannel.local.outcome).toBe('pass');
    expect(byChannel.local.metrics.blueBorderShare).toBeGreaterThan(0.7);
    expect(byChannel.local.metrics.iou).toBeGreaterThan(0.5);
    expect(byChannel['sim-unedited'].outcome).toBe('semantic_fail');
    expect(byChannel['sim-unedited'].reasons.join(' ')).toMatch(/returned the input image unchanged/);
    expect(byChannel['sim-imageless'].outcome).toBe('no_image');
    expect(unedited.received.some((request) => request.method === 'POST')).toBe(true);
    // Any failed retest makes the run fail.
    expect(answer).toMatchObject({ code: 1 });
  }, 120_000);

  it('keeps no conversation turn of a retest answer (store false)', async () => {
    const { db } = gateway.running.gateway.database;
    const logged = await db.selectFrom('request_log').select('id').where('door', '=', door).execute();
    expect(logged.length).toBeGreaterThanOrEqual(3);
    const turns = await db.selectFrom('conversation_turns').select('id').execute();
    expect(turns).toEqual([]);
  });

  it(`shows each route of the door as "… via ${label}" on /status and /status.json`, async () => {
    const document = await (await fetch(`${gateway.url}/status.json`)).json();
    const local = document.models.find((entry: { id: string }) => entry.id === 'local-image-edit');
    const route = local.routes.find((entry: { door: string }) => entry.door === door);
    expect(route).toMatchObject({ channel: 'local', lastRetest: { outcome: 'pass' } });
    const page = await (await fetch(`${gateway.url}/status`)).text();
    expect(page).toContain(`data-channel="sim-unedited" data-door="${door}"`);
    expect(page).toContain(`local via ${label}`);
    expect(page).toContain(`sim-unedited via ${label}`);
  });

  it('imagegate report names the failing route of the door', async () => {
    const { stdout } = await imagegate('report');
    expect(stdout).toContain(`- local via ${label}: **`);
    expect(stdout).toContain(`sim-unedited via ${label} gave semantic_fail`);
  }, 60_000);
});
