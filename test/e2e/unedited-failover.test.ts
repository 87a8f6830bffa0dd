// An upstream that answers an edit with the caller's own input image, byte for byte, made no edit:
// every door fails over to the next route (no retest needed), the route's circuit hears of it, and
// when no route edits, the caller gets an error in its door's envelope and pays nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { padPng } from '../../src/sim/png-padding.js';
import { queryRequestLog } from '../../src/store/index.js';
import { editDoors, editThrough } from '../helpers/edit-doors.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { gatewayRequestId } from '../helpers/request-ids.js';

const model = 'gemini-3.1-flash-image';
const onlyUnedited = 'gemini-3-pro-image';
let unedited: UpstreamSim;
let healthy: UpstreamSim;
let gateway: TestGateway;
let input: Buffer;

beforeAll(async () => {
  unedited = await startUpstreamSim({ faults: ['unedited'] });
  healthy = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('unedited', unedited.url, [model, onlyUnedited], '    priority: 2\n')}${simChannelYaml('healthy', healthy.url, [model], '    priority: 1\n')}routing:
  maxAttempts: 3
  circuit: { failureThreshold: 1000, openMs: 60000 }
retest:
  enabled: false
`,
  });
  input = await makeRetestImage();
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([unedited.close(), healthy.close()]);
});

const modelCalls = (sim: UpstreamSim) => sim.received.filter((request) => request.method === 'POST').length;

describe('an answer that hands back the input image unchanged', () => {
  for (const door of editDoors) {
    it(`fails over to the route that edits, on the ${door} door`, async () => {
      const before = modelCalls(unedited);
      const answer = await editThrough(gateway, door, model, input, `unedited-${door}`);
      expect(answer.status).toBe(200);
      expect(answer.channel).toBe('healthy');
      expect(answer.image).toBeDefined();
      expect(answer.image?.equals(input)).toBe(false);
      // The unedited route was asked first (it has the higher priority) and its answer refused.
      expect(modelCalls(unedited)).toBe(before + 1);
    });
  }

  it('counts the unedited answer against its route as semantic_fail', async () => {
    await gateway.settled();
    const db = gateway.running.gateway.database.db;
    const attempts = await db
      .selectFrom('request_attempts')
      .select(['channel', 'outcome'])
      .where('request_id', '=', await gatewayRequestId(db, 'unedited-gemini'))
      .orderBy('attempt_no')
      .execute();
    expect(attempts.map((attempt) => [attempt.channel, attempt.outcome])).toEqual([
      ['unedited', 'semantic_fail'],
      ['healthy', 'ok'],
    ]);
    const circuit = gateway.running.gateway.circuits
      .snapshot()
      .find((entry) => entry.channel === 'unedited' && entry.model === model);
    expect(circuit?.lastErrorClass).toBe('semantic_fail');
    expect(circuit?.consecutiveFailures).toBeGreaterThan(0);
  });

  it('is refused even when the answer is large enough to be relayed while it arrives', async () => {
    const large = padPng(input, 1_300_000);
    const answer = await editThrough(gateway, 'gemini', model, large, 'unedited-large');
    expect(answer.status).toBe(200);
    expect(answer.channel).toBe('healthy');
    expect(answer.image?.equals(large)).toBe(false);
  });

  it('answers a 502 in the Gemini envelope, charging nothing, when no route edits', async () => {
    const answer = await editThrough(gateway, 'gemini', onlyUnedited, input, 'unedited-only');
    expect(answer.status).toBe(502);
    const body = JSON.parse(answer.text);
    expect(body.error.status).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/input image unchanged/);
    expect(answer.text).not.toContain(input.toString('base64').slice(0, 200));
    await gateway.settled();
    const row = (await queryRequestLog(gateway.running.gateway.database.db)).find(
      (entry) => entry.clientRequestId === 'unedited-only',
    );
    expect(row?.errorClass).toBe('semantic_fail');
    expect(row?.chargedMicros).toBe(0);
    expect(row?.imagesOut).toBe(0);
  });

  it('answers an OpenAI error envelope, never data: [], when no route edits', async () => {
    const answer = await editThrough(gateway, 'openai-images', onlyUnedited, input, 'unedited-only-images');
    expect(answer.status).toBe(502);
    const body = JSON.parse(answer.text);
    expect(body.error.message).toMatch(/input image unchanged/);
    expect(body.data).toBeUndefined();
  });

  it('still serves a generation (no input image) from the first route', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle on a white background' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-imagegate-channel')).toBe('unedited');
  });
});
