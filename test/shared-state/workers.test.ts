// One `imagegate serve` with `server.workers: 2` on PostgreSQL and Redis: the two worker processes
// share a key's rate limit and spend limit (Redis, PostgreSQL), and /metrics sums both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { type Replica, startReplica } from './replica-process.js';
import {
  createScratchSpace,
  describeWithServices,
  redisUrl,
  type ScratchSpace,
  takeServicesTurn,
} from '../helpers/services.js';

const model = 'gemini-3.1-flash-image';
const bootstrapKey = 'workers-scale-bootstrap';

describeWithServices('one replica of two workers on PostgreSQL and Redis', () => {
  let scratch: ScratchSpace;
  let store: StoreDatabase;
  let sim: UpstreamSim;
  let dataDir: string;
  let node: Replica;
  let endTurn: (() => void) | undefined;
  let served = 0;

  beforeAll(async () => {
    endTurn = await takeServicesTurn();
    scratch = await createScratchSpace();
    store = await openDatabase(scratch.databaseUrl, '/nonexistent');
    sim = await startUpstreamSim({ faults: ['latency:100ms'] });
    dataDir = mkdtempSync(join(tmpdir(), 'imagegate-scale-workers-'));
    const configPath = join(dataDir, 'imagegate.yaml');
    writeFileSync(
      configPath,
      `channels:\n  - { name: sim, provider: gemini-compatible, baseUrl: ${sim.url}, apiKeys: [k], models: [${model}] }\nretest:\n  enabled: false\n`,
    );
    node = await startReplica({
      databaseUrl: scratch.databaseUrl,
      redisUrl,
      redisPrefix: scratch.redisPrefix,
      bootstrapKey,
      configPath,
      dataDir,
      workers: 2,
    });
  }, 180_000);

  afterAll(async () => {
    expect(await node?.stop()).toBe(0);
    await store?.close();
    await sim?.close();
    await scratch?.dispose();
    endTurn?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  function generate(key: string): Promise<Response> {
    return fetch(`${node.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
        generationConfig: { responseModalities: ['IMAGE'] },
      }),
    });
  }

  /** Concurrent requests: each opens its own connection, so both workers take a share. */
  async function statusesOf(key: string, count: number): Promise<number[]> {
    const responses = await Promise.all(Array.from({ length: count }, () => generate(key)));
    const statuses = responses.map((response) => response.status);
    served += statuses.filter((status) => status === 200).length;
    return statuses;
  }

  it("holds a key's requests-per-minute limit across both workers", async () => {
    const { key } = await createClientKey(store.db, { name: 'rpm', requestsPerMinute: 5 });
    const statuses = await statusesOf(key, 20);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it('serves and charges at most 10 images on a 10-image spend limit across both workers', {
    timeout: 60_000,
  }, async () => {
    const probe = await createClientKey(store.db, { name: 'probe' });
    expect((await statusesOf(probe.key, 1))[0]).toBe(200);
    const perImage = (
      await store.db
        .selectFrom('request_log')
        .select('charged_micros')
        .where('key_id', '=', probe.record.id)
        .executeTakeFirstOrThrow()
    ).charged_micros;
    const { key, record } = await createClientKey(store.db, {
      name: 'spend',
      spendLimitMicros: perImage * 10,
    });
    const statuses = await statusesOf(key, 60);
    const servedHere = statuses.filter((status) => status === 200).length;
    expect(servedHere).toBeGreaterThan(0);
    expect(servedHere).toBeLessThanOrEqual(10);
    const row = await store.db
      .selectFrom('client_keys')
      .select(['spent_micros', 'reserved_micros'])
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(row.spent_micros).toBe(servedHere * perImage);
    expect(row.reserved_micros).toBe(0);
  });

  it('sums both workers in /metrics', async () => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const answered = text
      .split('\n')
      .filter((line) => line.startsWith('imagegate_requests_total{') && line.includes('status="200"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(answered).toBe(served);
  });
});
