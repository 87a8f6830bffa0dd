import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { openDatabase } from '../../src/store/index.js';
import { simChannelYaml } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let dataDir: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ faults: ['latency:1500ms'] });
  dataDir = mkdtempSync(join(tmpdir(), 'imagegate-drain-'));
  writeFileSync(
    join(dataDir, 'imagegate.yaml'),
    `channels:\n${simChannelYaml('slow', sim.url, ['gemini-3.1-flash-image'])}`,
  );
});
afterAll(async () => {
  await sim.close();
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests after SIGTERM, logs them, then exits 0', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, ['bin/imagegate.js', 'serve', '--port', '0'], {
      env: {
        ...process.env,
        IMAGEGATE_DATA_DIR: dataDir,
        IMAGEGATE_CONFIG: join(dataDir, 'imagegate.yaml'),
        IMAGEGATE_BOOTSTRAP_KEY: 'drain-key',
        IMAGEGATE_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${output}`)));
    });
    const inFlight = [0, 1, 2].map((index) =>
      fetch(`${url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-goog-api-key': 'drain-key',
          'x-request-id': `drain-${index}`,
        },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle on a white background' }] }] }),
      }),
    );
    // Model calls only: serve also lists the upstream's models at start-up (catalog.sync).
    const modelCalls = () => sim.received.filter((request) => request.method === 'POST').length;
    await expect.poll(modelCalls, { timeout: 10_000 }).toBe(3);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await exited).toBe(0);
    const database = await openDatabase(undefined, dataDir);
    try {
      const rows = await database.db
        .selectFrom('request_log')
        .select(['client_request_id', 'status'])
        .where('client_request_id', 'like', 'drain-%')
        .orderBy('client_request_id')
        .execute();
      expect(rows).toEqual([
        { client_request_id: 'drain-0', status: 200 },
        { client_request_id: 'drain-1', status: 200 },
        { client_request_id: 'drain-2', status: 200 },
      ]);
    } finally {
      await database.close();
    }
  });
});
