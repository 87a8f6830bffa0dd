import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { gatewayRequestId } from '../helpers/request-ids.js';

const model = 'gemini-3.1-flash-image';
let failing: UpstreamSim;
let imageless: UpstreamSim;
let healthy: UpstreamSim;
let gateway: TestGateway;
let inputImage: string;

function channel(name: string, sim: UpstreamSim, priority: number): string {
  return `  - name: ${name}
    provider: gemini-compatible
    baseUrl: ${sim.url}
    apiKeys: ["key-${name}"]
    models: [${model}]
    priority: ${priority}
`;
}

/** The gateway's circuits read this clock: a test moves it on instead of sleeping through open periods. */
let clockAheadMs = 0;
const now = () => Date.now() + clockAheadMs;

beforeAll(async () => {
  failing = await startUpstreamSim({ faults: ['503'] });
  imageless = await startUpstreamSim({ faults: ['no-image'] });
  healthy = await startUpstreamSim();
  gateway = await startTestGateway({
    // gemini-2.5-flash-image is shut down upstream; kept alive here for its fixed output size.
    configYaml: `models:
  - { id: gemini-2.5-flash-image, shutdown: null }
channels:
${channel('failing', failing, 3)}${channel('imageless', imageless, 2)}${channel('healthy', healthy, 1)}
routing:
  maxAttempts: 3
  circuit: { failureThreshold: 2, openMs: 5000 }
`,
    now,
  });
  inputImage = (await makeRetestImage()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([failing.close(), imageless.close(), healthy.close()]);
});

async function edit(requestId: string) {
  return fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key, 'x-request-id': requestId },
    body: JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [{ text: RETEST_INSTRUCTION }, { inlineData: { mimeType: 'image/png', data: inputImage } }],
        },
      ],
      generationConfig: { responseModalities: ['IMAGE'] },
    }),
  });
}

function upstreamCalls(sim: UpstreamSim): number {
  return sim.received.filter((request) => request.path.includes(':generateContent')).length;
}

describe('failover across three channels', () => {
  it('serves every request through the healthy channel and logs each attempt', async () => {
    for (const id of ['route-1', 'route-2']) {
      const response = await edit(id);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-imagegate-channel')).toBe('healthy');
      const body = await response.json();
      expect(body.candidates[0].content.parts.some((part: { inlineData?: unknown }) => part.inlineData)).toBe(
        true,
      );
    }
    await gateway.settled();
    const db = gateway.running.gateway.database.db;
    const routeOne = await gatewayRequestId(db, 'route-1');
    const attempts = await db
      .selectFrom('request_attempts')
      .select(['request_id', 'attempt_no', 'channel', 'outcome'])
      .where('request_id', '=', routeOne)
      .orderBy('attempt_no')
      .execute();
    expect(attempts.map((attempt) => [attempt.channel, attempt.outcome])).toEqual([
      ['failing', 'overloaded'],
      ['imageless', 'no_image'],
      ['healthy', 'ok'],
    ]);
    const row = (await queryRequestLog(db)).find((entry) => entry.id === routeOne);
    expect(row?.attempts).toBe(3);
    expect(row?.channel).toBe('healthy');
  });

  it('opens the bad channels circuits after repeated failures so they stop receiving traffic', async () => {
    const before = [upstreamCalls(failing), upstreamCalls(imageless), upstreamCalls(healthy)];
    const response = await edit('route-3');
    expect(response.status).toBe(200);
    expect([upstreamCalls(failing), upstreamCalls(imageless), upstreamCalls(healthy)]).toEqual([
      before[0],
      before[1],
      before[2] + 1,
    ]);
    // The gateway's clock has not moved on, so the open period cannot have ended.
    const states = gateway.running.gateway.circuits.snapshot();
    expect(states.find((state) => state.channel === 'failing')?.state).toBe('open');
    expect(states.find((state) => state.channel === 'imageless')?.lastErrorClass).toBe('no_image');
  });

  it('lets a half-open probe through after the open period and closes the circuit when it succeeds', async () => {
    failing.setFaults([]);
    clockAheadMs += 5100;
    const before = upstreamCalls(failing);
    const response = await edit('route-4');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-imagegate-channel')).toBe('failing');
    expect(upstreamCalls(failing)).toBe(before + 1);
    const states = gateway.running.gateway.circuits.snapshot();
    expect(states.find((state) => state.channel === 'failing')?.state).toBe('closed');
    // The image-less channel's probe (if any) failed, so it is open again or still waiting.
    expect(states.find((state) => state.channel === 'imageless')?.state).not.toBe('closed');
  });

  it('rejects an unknown imageSize before any upstream call', async () => {
    const calls = [upstreamCalls(failing), upstreamCalls(imageless), upstreamCalls(healthy)];
    const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify({
        contents: [{ parts: [{ text: 'a red circle' }] }],
        generationConfig: { imageConfig: { imageSize: '8K' } },
      }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.message).toContain('imageSize');
    expect(body.error.message).toContain('512, 1K, 2K, 4K');
    expect([upstreamCalls(failing), upstreamCalls(imageless), upstreamCalls(healthy)]).toEqual(calls);
  });

  it('rejects imageSize on gemini-2.5-flash-image, which has a fixed size, naming the field', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash-image:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify({
        contents: [{ parts: [{ text: 'a red circle' }] }],
        generationConfig: { imageConfig: { imageSize: '2K' } },
      }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.details[0].fieldViolations[0].field).toBe('generationConfig.imageConfig.imageSize');
    expect(upstreamCalls(failing) + upstreamCalls(imageless) + upstreamCalls(healthy)).toBeGreaterThan(0);
  });
});
