import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { startGatewayChild } from '../helpers/gateway-child.js';
import { smallPng } from './images.js';

const secrets = ['sk-SECRET-PROVIDER-KEY-123', 'AIza-SECRET-GEMINI-KEY-456'];
const model = 'gemini-3.1-flash-image';
const clientKey = 'client-key-for-secret-test';
let sims: UpstreamSim[] = [];
let child: ChildProcess;
let outputOf = () => '';
let base = '';

beforeAll(async () => {
  const rejecting = await startUpstreamSim({ apiKey: 'some-other-key' });
  const failing = await startUpstreamSim({ faults: ['500'] });
  const limited = await startUpstreamSim({ faults: ['429'] });
  sims = [rejecting, failing, limited];
  const channel = (name: string, sim: UpstreamSim, priority: number) =>
    `  - name: ${name}\n    provider: gemini-compatible\n    baseUrl: ${sim.url}\n    apiKeys: ["${secrets[0]}", "${secrets[1]}"]\n    models: [${model}]\n    priority: ${priority}\n`;
  const running = await startGatewayChild(
    `channels:\n${channel('rejecting', rejecting, 3)}${channel('failing', failing, 2)}${channel('limited', limited, 1)}routing: { maxAttempts: 6 }\n`,
    { client: clientKey, admin: 'admin-key-for-secret-test' },
  );
  child = running.child;
  base = running.base;
  outputOf = running.output;
}, 90_000);

afterAll(async () => {
  child.kill('SIGTERM');
  await Promise.all(sims.map((sim) => sim.close()));
});

describe('provider keys stay secret', () => {
  it('never shows a provider key in any response, log line or status page', async () => {
    const image = (await smallPng()).toString('base64');
    const body = JSON.stringify({
      contents: [
        {
          role: 'user',
          parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: image } }],
        },
      ],
    });
    const bodies: string[] = [];
    const statuses: number[] = [];
    for (const method of ['generateContent', 'streamGenerateContent?alt=sse', 'countTokens']) {
      for (let round = 0; round < 2; round += 1) {
        const response = await fetch(`${base}/v1beta/models/${model}:${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': clientKey },
          body,
        });
        statuses.push(response.status);
        bodies.push(JSON.stringify([...response.headers]), await response.text());
      }
    }
    for (const path of [
      '/status',
      '/status.json',
      '/metrics',
      '/healthz',
      '/readyz',
      '/v1beta/models',
      '/v1/models',
      '/admin/channels',
    ]) {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${clientKey}` } });
      bodies.push(await response.text());
    }
    // Every channel failed (auth, 500, 429): the errors were real, and the client saw them.
    expect(statuses.some((status) => status >= 500 || status === 429)).toBe(true);
    expect(outputOf().length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const output = outputOf();
    for (const secret of secrets) {
      for (const text of [...bodies, output]) expect(text).not.toContain(secret);
      expect(output + bodies.join('')).not.toContain(secret.slice(0, 16));
    }
  });

  it('refuses admin routes to a client key', async () => {
    const response = await fetch(`${base}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky' }),
    });
    expect([401, 403, 404]).toContain(response.status);
    expect(response.status).not.toBe(200);
  });
});
