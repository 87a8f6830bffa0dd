// `imagegate serve` syncs the model lists of channels with keys at start-up, in the background: the
// gateway is ready while a slow upstream still thinks, a hostile list answer is reported and the
// process goes on, and what the sync found lands in the store.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';
import { listGoneRoutes } from '../../src/store/route-presence.js';
import { type AnsweringServer, answerJson, startAnsweringServer } from '../helpers/answering-server.js';
import { geminiTestModelYaml } from '../helpers/test-models.js';

const listDelayMs = 3000;
let slow: AnsweringServer;
let hostile: AnsweringServer;
let serve: ChildProcess;
let dataDir: string;
let address: string;
let stderr = '';

beforeAll(async () => {
  slow = await startAnsweringServer((_request, response) => {
    setTimeout(() => answerJson(response, 200, { models: [{ name: 'models/something-else' }] }), listDelayMs);
  });
  hostile = await startAnsweringServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(`{"models": ${'['.repeat(200_000)}`);
  });
  dataDir = mkdtempSync(join(tmpdir(), 'imagegate-serve-sync-'));
  const configPath = join(dataDir, 'imagegate.yaml');
  writeFileSync(
    configPath,
    `channels:
  - name: slow
    provider: gemini-compatible
    baseUrl: ${slow.url}
    apiKeys: ["slow-key-0123456789"]
    models: [test-flash]
  - name: hostile
    provider: gemini-compatible
    baseUrl: ${hostile.url}
    apiKeys: ["hostile-key-0123456789"]
    models: [test-flash]
models:
${geminiTestModelYaml('test-flash')}retest:
  enabled: false
`,
  );
  serve = spawn(process.execPath, ['bin/imagegate.js', 'serve', '--port', '0'], {
    env: {
      ...process.env,
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_CONFIG: configPath,
      IMAGEGATE_DATABASE_URL: '',
      IMAGEGATE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    serve.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = /imagegate listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    serve.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}, 60_000);
afterAll(async () => {
  serve.kill('SIGTERM');
  await new Promise((resolve) => serve.once('exit', resolve));
  await Promise.all([slow.close(), hostile.close()]);
});

describe('the start-up model sync of imagegate serve', () => {
  it('never holds readiness back while an upstream list is slow', async () => {
    const started = Date.now();
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(listDelayMs);
    await expect.poll(() => slow.requests.length, { timeout: 10_000 }).toBe(1);
  });

  it('records what the slow list showed once it answers, and keeps serving after the hostile one', async () => {
    const database = await openDatabase(undefined, dataDir);
    try {
      await migrateToLatest(database.db);
      await expect
        .poll(
          async () => (await listGoneRoutes(database.db)).map((route) => `${route.channel}/${route.model}`),
          {
            timeout: 15_000,
          },
        )
        .toEqual(['slow/test-flash']);
    } finally {
      await database.close();
    }
    expect(hostile.requests.length).toBeGreaterThanOrEqual(1);
    expect(serve.exitCode).toBeNull();
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect(stderr).toContain('model sync found routes needing action');
    expect(stderr).toContain('nests deeper than 64 levels');
    expect(stderr).not.toContain('hostile-key-0123456789');
  }, 30_000);
});
