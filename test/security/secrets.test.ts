import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { smallPng } from './images.js';

const secrets = ['sk-SECRET-PROVIDER-KEY-123', 'AIza-SECRET-GEMINI-KEY-456'];
const model = 'gemini-3.1-flash-image-preview';
const clientKey = 'client-key-for-secret-test';
let sims: UpstreamSim[] = [];
let child: ChildProcess;
let output = '';
let base = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const rejecting = await startUpstreamSim({ apiKey: 'some-other-key' });
  const failing = await startUpstreamSim({ faults: ['500'] });
  const limited = await startUpstreamSim({ faults: ['429'] });
  sims = [rejecting, failing, limited];
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-secrets-'));
  const channel = (name: string, sim: UpstreamSim, priority: number) =>
    `  - name: ${name}\n    provider: gemini-compatible\n    baseUrl: ${sim.url}\n    apiKeys: ["${secrets[0]}", "${secrets[1]}"]\n    models: [${model}]\n    priority: ${priority}\n`;
  writeFileSync(
    join(dataDir, 'imagegate.yaml'),
    `channels:\n${channel('rejecting', rejecting, 3)}${channel('failing', failing, 2)}${channel('limited', limited, 1)}routing: { maxAttempts: 6 }\n`,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    ['bin/imagegate.js', 'serve', '--port', String(port), '--host', '127.0.0.1'],
    {
      env: {
        ...process.env,
        IMAGEGATE_DATA_DIR: dataDir,
        IMAGEGATE_CONFIG: join(dataDir, 'imagegate.yaml'),
        IMAGEGATE_BOOTSTRAP_KEY: clientKey,
        IMAGEGATE_ADMIN_KEY: 'admin-key-for-secret-test',
        IMAGEGATE_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  for (let waited = 0; waited < 20_000; waited += 200) {
    const status = await fetch(`${base}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the gateway did not start:\n${output}`);
}, 30_000);

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
    expect(output.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
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
