// Four channels serve one model: one answers 503, one answers without an image, one hands back the
// input unedited (the highest priority), and a healthy one at the lowest priority. Once
// `imagegate retest` (another process, same database) has judged them, the routes whose latest
// retest is semantic_fail or no_image get no live traffic on any door while another route exists;
// when the unedited channel is healthy again and its retest passes, it gets traffic again.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { editDoors, editThrough } from '../helpers/edit-doors.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const run = promisify(execFile);
const model = 'gemini-3.1-flash-image';
const sims: Record<string, UpstreamSim> = {};
const faults: Record<string, string[]> = {
  unedited: ['unedited'],
  imageless: ['no-image'],
  overloaded: ['503'],
  healthy: [],
};
const priorities: Record<string, number> = { unedited: 4, imageless: 3, overloaded: 2, healthy: 1 };
let gateway: TestGateway;
let input: Buffer;

function configYaml(): string {
  const channels = Object.keys(faults)
    .map((name) => simChannelYaml(name, sims[name].url, [model], `    priority: ${priorities[name]}\n`))
    .join('');
  // Circuits that never open: what keeps traffic off the bad routes here is the retest verdict.
  return `channels:\n${channels}routing:\n  maxAttempts: 4\n  circuit: { failureThreshold: 1000, openMs: 60000 }\nretest:\n  enabled: false\n  verdictReloadSeconds: 1\n`;
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

const liveCalls = (sim: UpstreamSim) => sim.received.filter((request) => request.method === 'POST').length;

beforeAll(async () => {
  for (const [name, fault] of Object.entries(faults)) sims[name] = await startUpstreamSim({ faults: fault });
  gateway = await startTestGateway({ configYaml: configYaml() });
  input = await makeRetestImage();
}, 60_000);
afterAll(async () => {
  await gateway.close();
  await Promise.all(Object.values(sims).map((sim) => sim.close()));
});

describe('retest verdicts steer live traffic', () => {
  it('imagegate retest judges the four routes in another process', async () => {
    const { stdout } = await imagegate('retest', '--model', model, '--door', 'gemini', '--json');
    const outcomes = Object.fromEntries(
      (JSON.parse(stdout).results as Array<{ channel: string; outcome: string }>).map((result) => [
        result.channel,
        result.outcome,
      ]),
    );
    expect(outcomes).toEqual({
      unedited: 'semantic_fail',
      imageless: 'no_image',
      overloaded: 'error:overloaded',
      healthy: 'pass',
    });
  }, 120_000);

  it('the serving gateway picks the verdicts up from the store', async () => {
    const demotions = gateway.running.gateway.routeDemotions;
    await expect.poll(() => demotions.isDemoted('unedited', model), { timeout: 10_000 }).toBe(true);
    expect(demotions.demotion('unedited', model)?.outcome).toBe('semantic_fail');
    expect(demotions.demotion('imageless', model)?.outcome).toBe('no_image');
    // An outage is not a verdict on the images: circuits deal with it.
    expect(demotions.isDemoted('overloaded', model)).toBe(false);
    expect(demotions.isDemoted('healthy', model)).toBe(false);
  });

  for (const door of editDoors) {
    it(`serves an edited image from the healthy channel on the ${door} door, never asking the demoted ones`, async () => {
      const before = [liveCalls(sims.unedited), liveCalls(sims.imageless)];
      const answer = await editThrough(gateway, door, model, input, `demoted-${door}`);
      expect(answer.status).toBe(200);
      expect(answer.channel).toBe('healthy');
      expect(answer.image?.equals(input)).toBe(false);
      expect([liveCalls(sims.unedited), liveCalls(sims.imageless)]).toEqual(before);
    });
  }

  it('shows the demotion on /status.json and in imagegate channels', async () => {
    const document = await (await fetch(`${gateway.url}/status.json`)).json();
    const routes = document.models.find((entry: { id: string }) => entry.id === model).routes as Array<{
      channel: string;
      routing: string;
    }>;
    const routingOf = (channel: string) => routes.find((route) => route.channel === channel)?.routing;
    expect(routingOf('unedited')).toMatch(/^demoted: latest retest semantic_fail at \d{4}-/);
    expect(routingOf('imageless')).toMatch(/^demoted: latest retest no_image at /);
    expect(routingOf('healthy')).toBe('serving');
    const { stdout } = await imagegate('channels', '--json');
    const rows = JSON.parse(stdout) as Array<{ channel: string; routing: string }>;
    expect(rows.find((row) => row.channel === 'unedited')?.routing).toMatch(
      /^demoted: latest retest semantic_fail/,
    );
    expect(rows.find((row) => row.channel === 'overloaded')?.routing).toBe('serving');
  }, 60_000);

  it('gives the unedited channel traffic again once it is healthy and its retest passes', async () => {
    const port = sims.unedited.port;
    await sims.unedited.close();
    sims.unedited = await startUpstreamSim({ port });
    const service = gateway.running.gateway.retests;
    if (!service) throw new Error('no retest service');
    const [result] = await service.run({ model, channel: 'unedited', doors: ['gemini'] });
    expect(result.outcome).toBe('pass');
    expect(gateway.running.gateway.routeDemotions.isDemoted('unedited', model)).toBe(false);
    const answer = await editThrough(gateway, 'gemini', model, input, 'recovered');
    expect(answer.status).toBe(200);
    expect(answer.channel).toBe('unedited');
    expect(answer.image?.equals(input)).toBe(false);
  }, 60_000);
});
