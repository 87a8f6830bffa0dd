import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { smallPng } from './images.js';

const model = 'gemini-3.1-flash-image';
/**
 * Each fault and how the gateway must classify the failed attempt, unary and streamed. A truncated
 * stream breaks after the image event has gone to the client, so it cannot fail over (tested apart).
 */
const faults = [
  { fault: 'truncated-stream', unary: 'connection', stream: undefined },
  { fault: 'invalid-json', unary: 'upstream_bug', stream: 'upstream_bug' },
  { fault: 'reset', unary: 'connection', stream: 'connection' },
  { fault: 'html-error', unary: 'upstream_bug', stream: 'upstream_bug' },
  { fault: 'endless-stream', unary: 'timeout', stream: 'timeout' },
] as const;

let faulty: UpstreamSim;
let healthy: UpstreamSim;
let gateway: TestGateway;
let image: string;

beforeAll(async () => {
  faulty = await startUpstreamSim();
  healthy = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('faulty', faulty.url, [model], '    priority: 2\n    timeoutMs: 4000\n')}${simChannelYaml('healthy', healthy.url, [model], '    priority: 1\n')}
routing:
  circuit: { failureThreshold: 1000, openMs: 1000 }
`,
  });
  image = (await smallPng()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([faulty.close(), healthy.close()]);
});

async function call(requestId: string, stream: boolean): Promise<Response> {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return fetch(`${gateway.url}/v1beta/models/${model}:${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key, 'x-request-id': requestId },
    body: JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: image } }],
        },
      ],
      generationConfig: { responseModalities: ['IMAGE'] },
    }),
  });
}

async function attemptsOf(requestId: string): Promise<Array<{ channel: string; outcome: string }>> {
  await gateway.settled();
  return gateway.running.gateway.database.db
    .selectFrom('request_attempts')
    .select(['channel', 'outcome'])
    .where('request_id', 'in', (log) =>
      log.selectFrom('request_log').select('id').where('client_request_id', '=', requestId),
    )
    .orderBy('attempt_no')
    .execute();
}

describe('upstream faults are classified and failed over', () => {
  for (const { fault, unary, stream } of faults) {
    it(`classifies ${fault} as ${unary} and answers from the healthy channel`, async () => {
      faulty.setFaults([fault]);
      const id = `fault-${fault}`;
      const response = await call(id, false);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-imagegate-channel')).toBe('healthy');
      const body = await response.json();
      expect(JSON.stringify(body)).toContain('inlineData');
      expect(await attemptsOf(id)).toEqual([
        { channel: 'faulty', outcome: unary },
        { channel: 'healthy', outcome: 'ok' },
      ]);
    });

    if (stream === undefined) continue;
    it(`classifies a streamed ${fault} as ${stream} before the first byte and streams from the healthy channel`, async () => {
      faulty.setFaults([fault]);
      const id = `fault-stream-${fault}`;
      const response = await call(id, true);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-imagegate-channel')).toBe('healthy');
      expect(await response.text()).toContain('inlineData');
      expect(await attemptsOf(id)).toEqual([
        { channel: 'faulty', outcome: stream },
        { channel: 'healthy', outcome: 'ok' },
      ]);
    });
  }

  it('ends a stream that breaks after its first event with an error event and logs it as upstream_bug', async () => {
    faulty.setFaults(['truncated-stream']);
    const response = await call('fault-stream-truncated', true);
    expect(response.status).toBe(200);
    const frames = (await response.text()).split('\r\n\r\n').filter((frame) => frame.startsWith('data: '));
    expect(frames[0]).toContain('inlineData');
    const last = JSON.parse(frames.at(-1)!.slice('data: '.length));
    expect(last.error.code).toBe(502);
    expect(last.error.message).toMatch(/faulty/);
    await gateway.settled();
    const row = await gateway.running.gateway.database.db
      .selectFrom('request_log')
      .select(['status', 'error_class'])
      .where('client_request_id', '=', 'fault-stream-truncated')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 502, error_class: 'upstream_bug' });
  });

  it('keeps serving after every fault (the process never crashed)', async () => {
    faulty.setFaults([]);
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    const response = await call('after-faults', false);
    expect(response.status).toBe(200);
  });
});
