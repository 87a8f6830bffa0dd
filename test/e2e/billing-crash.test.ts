// SIGKILL during in-flight requests, or after answers whose settles were only journaled, then
// restart: no hold stays open, every answer is charged once, and sums still agree.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientKey, migrateToLatest, openDatabase } from '../../src/store/index.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml } from '../helpers/start-gateway.js';

const clientKey = 'crash-test-key';
let sim: UpstreamSim;
let dataDir: string;
let configPath: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0, faults: ['latency:5000ms'] });
  dataDir = mkdtempSync(join(tmpdir(), 'imagegate-crash-'));
  configPath = join(dataDir, 'imagegate.yaml');
  // No scheduled retest: its requests and its commit of queued settles would land in the crash window.
  writeFileSync(
    configPath,
    `retest: { enabled: false }\nchannels:\n${simChannelYaml('slow-sim', sim.url, ['gemini-3.1-flash-image'])}`,
  );
});
afterAll(async () => {
  await sim.close();
});

/** Starts `imagegate serve` as a child process; resolves with its URL once it listens. */
function serve(config = configPath): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/imagegate.js', 'serve', '--port', '0'], {
    env: {
      ...process.env,
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_CONFIG: config,
      IMAGEGATE_BOOTSTRAP_KEY: clientKey,
      IMAGEGATE_LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`imagegate serve exited with ${code}: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** A client's own request id is claimed by one commit of its own: leave it out to keep settles queued. */
function generate(url: string, key: string, requestId?: string): Promise<Response> {
  return fetch(`${url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-goog-api-key': key,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({
      contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
      generationConfig: { responseModalities: ['IMAGE'] },
    }),
  });
}

/** A key with a spend limit (it holds durably before the upstream call), written before a start. */
async function createLimitedKey(value: string): Promise<void> {
  const setup = await openDatabase(undefined, dataDir);
  await migrateToLatest(setup.db);
  await createClientKey(setup.db, { name: value, value, spendLimitMicros: 1_000_000_000 });
  await setup.close();
}

describe('crash recovery', () => {
  it('charges answers whose settle was journaled but not committed when the process died', {
    timeout: 60_000,
  }, async () => {
    const fastSim = await startUpstreamSim({ port: 0 });
    const journaledConfig = join(dataDir, 'journaled.yaml');
    // Settles wait a minute for their batch: the kill comes first. A scheduled retest (its first run
    // falls 0-120 s after start) would commit them early, so none is scheduled.
    writeFileSync(
      journaledConfig,
      `retest: { enabled: false }\nbilling: { settleBatchMs: 60000 }\nchannels:\n${simChannelYaml('fast-sim', fastSim.url, ['gemini-3.1-flash-image'])}`,
    );
    try {
      await createLimitedKey('limited-j');
      const first = await serve(journaledConfig);
      // The limited key's hold commits at once (with any settle queued); its own settle is journaled.
      const answered = [
        await generate(first.url, 'limited-j'),
        await generate(first.url, clientKey),
        await generate(first.url, clientKey),
      ];
      for (const response of answered) {
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      // The gateway's own ids (they sort in the order the requests were made).
      const ids = answered.map((response) => response.headers.get('x-request-id') ?? '');
      const before = await openDatabase(undefined, dataDir);
      const loggedBefore = await before.db
        .selectFrom('request_log')
        .select('id')
        .where('id', 'in', ids)
        .execute();
      expect(loggedBefore).toEqual([]);
      await before.close();

      first.child.kill('SIGKILL');
      await exited(first.child);
      const second = await serve(journaledConfig);
      second.child.kill('SIGTERM');
      await exited(second.child);

      const after = await openDatabase(undefined, dataDir);
      try {
        const logged = await after.db
          .selectFrom('request_log')
          .select(['id', 'status', 'charged_micros'])
          .where('id', 'in', ids)
          .orderBy('id')
          .execute();
        expect(logged.map((row) => row.id)).toEqual(ids);
        for (const row of logged) {
          expect(row.status).toBe(200);
          expect(Number(row.charged_micros)).toBeGreaterThan(0);
        }
        const hold = await after.db
          .selectFrom('holds')
          .select('state')
          .where('request_id', '=', ids[0])
          .executeTakeFirstOrThrow();
        expect(hold.state).toBe('settled');
        expectBalanced(await billingTotals(after));
        expect(readdirSync(join(dataDir, 'imagegate.db-settles'))).toEqual([]);
      } finally {
        await after.close();
      }
    } finally {
      await fastSim.close();
    }
  });

  it('leaves zero open holds and matching sums after SIGKILL mid-flight and a restart', {
    timeout: 60_000,
  }, async () => {
    // A key with a spend limit holds durably before the upstream call; a key without one writes its
    // hold with the settle, so a crash mid-request leaves nothing of it behind.
    await createLimitedKey('limited-key');
    const first = await serve();
    const inFlight = Array.from({ length: 8 }, (_, index) =>
      generate(first.url, index < 5 ? 'limited-key' : clientKey, `in-flight-${index}`).catch(
        (error: unknown) => error,
      ),
    );
    // Model calls only: serve also lists the upstream's models at start-up (catalog.sync).
    const modelCalls = () => sim.received.filter((request) => request.method === 'POST').length;
    const deadline = Date.now() + 10_000;
    while (modelCalls() < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(modelCalls()).toBe(8);

    const before = await openDatabase(undefined, dataDir);
    expect((await billingTotals(before)).openHolds).toBe(5);
    await before.close();

    first.child.kill('SIGKILL');
    await exited(first.child);
    for (const outcome of await Promise.all(inFlight)) expect(outcome).toBeInstanceOf(Error);

    const second = await serve();
    second.child.kill('SIGTERM');
    await exited(second.child);

    const after = await openDatabase(undefined, dataDir);
    try {
      expectBalanced(await billingTotals(after));
      const interrupted = await after.db
        .selectFrom('request_log')
        .select(['status', 'error_class', 'charged_micros'])
        .where('error_class', '=', 'interrupted')
        .execute();
      expect(interrupted).toHaveLength(5);
      for (const row of interrupted) expect(row).toMatchObject({ status: 0 });
      const unlimitedRows = await after.db
        .selectFrom('holds')
        .select('request_id')
        .where('key_id', 'in', (keys) =>
          keys.selectFrom('client_keys').select('id').where('spend_limit_micros', 'is', null),
        )
        .execute();
      expect(unlimitedRows).toEqual([]);
    } finally {
      await after.close();
    }
  });
});
