import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
/** The gateway's clock stands still, so the exhausted key's 2 s rest cannot run out mid-test. */
const clockAt = Date.now();

beforeAll(async () => {
  sim = await startUpstreamSim({ faults: ['429'], faultKeys: ['exhausted-key'] });
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: google-two-keys
    provider: gemini-compatible
    baseUrl: ${sim.url}
    apiKeys: ["exhausted-key", "fresh-key"]
    models: [gemini-3.1-flash-image]
`,
    now: () => clockAt,
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

describe('API key rotation inside a channel', () => {
  it('skips a key that hit its quota while the channel keeps serving with its other key', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await fetch(`${gateway.url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle on a white background' }] }] }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const keysUsed = sim.received.map((request) => request.headers['x-goog-api-key']);
    // The exhausted key was tried once, answered 429 and then rested; everything else went to the fresh key.
    expect(keysUsed.filter((key) => key === 'exhausted-key')).toHaveLength(1);
    expect(keysUsed.filter((key) => key === 'fresh-key')).toHaveLength(6);
    const states = gateway.running.gateway.keys.snapshot('google-two-keys', ['exhausted-key', 'fresh-key']);
    expect(states[0].reason).toBe('quota');
    expect(states[0].retiredUntil).toBe(clockAt + 2000);
    expect(states[1].retiredUntil).toBeUndefined();
    // The route itself stays healthy: a key's quota is not the channel's fault.
    const circuit = gateway.running.gateway.circuits
      .snapshot()
      .find((entry) => entry.channel === 'google-two-keys');
    expect(circuit?.state ?? 'closed').toBe('closed');
  });
});
