// A circuit opened because a route answered without images is not closed again by a half-open probe
// that also carried no image (a text request, a safety block): only an image proves the route works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
const openMs = 60_000;
/** The gateway's circuits read this clock: the test moves it past an open period instead of sleeping. */
let clockAheadMs = 0;
let imageless: UpstreamSim;
let gateway: TestGateway;

beforeAll(async () => {
  imageless = await startUpstreamSim({ faults: ['no-image'] });
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('imageless', imageless.url, [model])}routing:
  circuit: { failureThreshold: 1, openMs: ${openMs} }
retest:
  enabled: false
`,
    now: () => Date.now() + clockAheadMs,
  });
});
afterAll(async () => {
  await gateway.close();
  await imageless.close();
});

function ask(modalities: string[]) {
  return fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
    body: JSON.stringify({
      contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
      generationConfig: { responseModalities: modalities },
    }),
  });
}

const circuitState = () => gateway.running.gateway.circuits.state('imageless', model);

describe('a half-open probe without an image', () => {
  it('does not close a circuit opened for answers without images', async () => {
    const first = await ask(['IMAGE']);
    expect(first.status).toBe(200); // the honest no-image answer, as the Gemini door returns it
    expect(circuitState()).not.toBe('closed');
    clockAheadMs += openMs + 100;
    expect(circuitState()).toBe('half_open');
    const probe = await ask(['TEXT']);
    expect(probe.status).toBe(200);
    expect(circuitState()).not.toBe('closed');
  });

  it('closes it once an image comes back', async () => {
    imageless.setFaults([]);
    clockAheadMs += openMs + 100;
    const answer = await ask(['IMAGE']);
    expect(answer.status).toBe(200);
    expect(circuitState()).toBe('closed');
  });
});
