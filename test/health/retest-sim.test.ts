import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { recentRetests } from '../../src/store/retest-results.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
const faults = {
  'sim-no-image': 'no-image',
  'sim-unedited': 'unedited',
  'sim-overloaded': '503',
  'sim-healthy': '',
};
const sims: Record<string, UpstreamSim> = {};
let gateway: TestGateway;

beforeAll(async () => {
  for (const [name, fault] of Object.entries(faults)) {
    sims[name] = await startUpstreamSim({ port: 0, faults: fault ? [fault] : [] });
  }
  const channels = Object.keys(faults)
    .map((name) => simChannelYaml(name, sims[name].url, [model]))
    .join('');
  gateway = await startTestGateway({
    configYaml: `channels:\n${channels}routing:\n  circuit:\n    failureThreshold: 100\nretest:\n  enabled: false\n`,
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(Object.values(sims).map((sim) => sim.close()));
});

async function retestChannel(channel: string) {
  const service = gateway.running.gateway.retests;
  if (!service) throw new Error('no retest service');
  const [result] = await service.run({ model, channel, doors: ['gemini'] });
  return result;
}

describe('retests against upstream-sim channels', () => {
  it('passes a healthy channel and stores tokens, thumbnails and the expected image tokens', async () => {
    const result = await retestChannel('sim-healthy');
    expect(result.outcome).toBe('pass');
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    expect(result.expectedOutputImageTokens).toBe(1120);
    const [stored] = await recentRetests(gateway.running.gateway.database.db, { since: 0, perRoute: 1 });
    expect(stored).toMatchObject({ hasInputThumb: true, hasOutputThumb: true });
  });

  it('reports no_image when the upstream answers without an image', async () => {
    const result = await retestChannel('sim-no-image');
    expect(result.outcome).toBe('no_image');
  });

  it('reports semantic_fail when the upstream returns the input image unedited', async () => {
    const result = await retestChannel('sim-unedited');
    expect(result.outcome).toBe('semantic_fail');
    // The gateway itself refuses an answer that is the input image, before the pixel checks see it.
    expect(result.reasons.join(' ')).toMatch(/returned the input image unchanged/);
    expect(result.httpStatus).toBe(502);
    expect(sims['sim-unedited'].requestCount).toBeGreaterThan(0);
  });

  it('reports error:overloaded when the upstream answers 503', async () => {
    const result = await retestChannel('sim-overloaded');
    expect(result.outcome).toBe('error:overloaded');
    expect(result.httpStatus).toBe(503);
  });

  it('pins each retest to its channel: only the named sim sees the request', async () => {
    const before = sims['sim-healthy'].requestCount;
    await retestChannel('sim-no-image');
    expect(sims['sim-healthy'].requestCount).toBe(before);
  });

  it('never puts the retest key in the status document', async () => {
    const response = await fetch(`${gateway.url}/status.json`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toMatch(/ig_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toContain('sim-key-');
    const document = JSON.parse(text);
    const routes = document.models.find((entry: { id: string }) => entry.id === model).routes;
    const overloaded = routes.find(
      (route: { channel: string; door: string }) =>
        route.channel === 'sim-overloaded' && route.door === 'gemini',
    );
    expect(overloaded.lastRetest.outcome).toBe('error:overloaded');
    expect(overloaded.verdict).toBe('degraded');
  });

  it('refuses POST /admin/retest without the admin key and runs it with the key', async () => {
    const denied = await fetch(`${gateway.url}/admin/retest`, { method: 'POST' });
    expect(denied.status).toBe(401);
    const response = await fetch(`${gateway.url}/admin/retest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, channel: 'sim-healthy', doors: ['gemini'] }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.results).toHaveLength(1);
    expect(body.results[0].outcome).toBe('pass');
  });
});
