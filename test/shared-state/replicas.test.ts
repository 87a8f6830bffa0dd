import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { type Replica, RoundRobin, startTwoReplicas } from './replica-process.js';
import {
  createScratchSpace,
  describeWithServices,
  redisUrl,
  type ScratchSpace,
  takeServicesTurn,
  startRedis,
  stopRedis,
  waitFor,
} from '../helpers/services.js';

const model = 'gemini-3.1-flash-image';
const bootstrapKey = 'scale-bootstrap-key';

describeWithServices('two gateway replicas on PostgreSQL and Redis', () => {
  let scratch: ScratchSpace;
  let store: StoreDatabase;
  let flaky: UpstreamSim;
  let steady: UpstreamSim;
  let dataDir: string;
  const replicas: Replica[] = [];
  let balancer: RoundRobin;
  let redisStopped = false;
  /** Every request id sent, so the last test can check none is missing from the request log. */
  const sentIds: string[] = [];

  let endTurn: (() => void) | undefined;

  beforeAll(async () => {
    endTurn = await takeServicesTurn();
    scratch = await createScratchSpace();
    store = await openDatabase(scratch.databaseUrl, '/nonexistent');
    flaky = await startUpstreamSim({ faults: ['503'] });
    steady = await startUpstreamSim();
    dataDir = mkdtempSync(join(tmpdir(), 'imagegate-scale-'));
    const configPath = join(dataDir, 'imagegate.yaml');
    writeFileSync(
      configPath,
      `channels:
  - { name: flaky, provider: gemini-compatible, baseUrl: ${flaky.url}, apiKeys: [k1], models: [${model}], priority: 2 }
  - { name: steady, provider: gemini-compatible, baseUrl: ${steady.url}, apiKeys: [k2], models: [${model}], priority: 1 }
routing:
  circuit: { failureThreshold: 2, openMs: 600000 }
retest:
  enabled: false
`,
    );
    const options = {
      databaseUrl: scratch.databaseUrl,
      redisUrl,
      redisPrefix: scratch.redisPrefix,
      bootstrapKey,
      configPath,
    };
    await startTwoReplicas(options, dataDir, replicas);
    balancer = new RoundRobin(replicas);
  }, 180_000);

  afterAll(async () => {
    if (redisStopped) await startRedis();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await store?.close();
    await Promise.all([flaky?.close(), steady?.close()]);
    await scratch?.dispose();
    endTurn?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  function generate(key: string, target: Replica | RoundRobin = balancer): Promise<Response> {
    const id = `scale-${sentIds.length}-${Math.random().toString(36).slice(2, 8)}`;
    sentIds.push(id);
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key, 'x-request-id': id },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
        generationConfig: { responseModalities: ['IMAGE'] },
      }),
    };
    const path = `/v1beta/models/${model}:generateContent`;
    return target instanceof RoundRobin ? target.fetch(path, init) : fetch(`${target.url}${path}`, init);
  }

  function flakyCalls(): number {
    return flaky.received.filter((request) => request.path.includes(':generateContent')).length;
  }

  it('shows a circuit opened on one replica to the other, which stops calling that channel', async () => {
    for (let index = 0; index < 2; index += 1) {
      const response = await generate(bootstrapKey, replicas[0]);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-imagegate-channel')).toBe('steady');
    }
    expect(flakyCalls()).toBe(2);
    // Replica B never saw the failures itself; it learns of the open circuit through Redis.
    await waitFor(async () => {
      const before = flakyCalls();
      const response = await generate(bootstrapKey, replicas[1]);
      expect(response.status).toBe(200);
      return flakyCalls() === before;
    }, 'replica B to skip the open circuit');
    const before = flakyCalls();
    for (let index = 0; index < 4; index += 1) expect((await generate(bootstrapKey)).status).toBe(200);
    expect(flakyCalls()).toBe(before);
  });

  it("holds a key's requests-per-minute limit across both replicas", async () => {
    const { key } = await createClientKey(store.db, { name: 'rpm', requestsPerMinute: 5 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => generate(key)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    const limited = responses.find((response) => response.status === 429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('serves and charges at most 50 images for 400 concurrent requests on a 50-image spend limit', async () => {
    // What one image costs, measured on an unlimited key.
    const probe = await createClientKey(store.db, { name: 'probe' });
    const probeResponse = await generate(probe.key);
    expect(probeResponse.status).toBe(200);
    const probeId = probeResponse.headers.get('x-request-id') ?? '';
    const probeRow = await store.db
      .selectFrom('request_log')
      .select('charged_micros')
      .where('id', '=', probeId)
      .executeTakeFirstOrThrow();
    const perImage = probeRow.charged_micros;
    expect(perImage).toBeGreaterThan(0);

    const spendLimit = perImage * 50;
    const { key, record } = await createClientKey(store.db, { name: 'spend', spendLimitMicros: spendLimit });
    const responses = await Promise.all(Array.from({ length: 400 }, () => generate(key)));
    const served = responses.filter((response) => response.status === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(50);
    expect(responses.every((response) => response.status === 200 || response.status === 429)).toBe(true);

    const keyRow = await store.db
      .selectFrom('client_keys')
      .select(['spent_micros', 'reserved_micros'])
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    const charged = await store.db
      .selectFrom('request_log')
      .select((expression) => expression.fn.sum<number>('charged_micros').as('total'))
      .where('key_id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(keyRow.spent_micros).toBeLessThanOrEqual(spendLimit);
    expect(keyRow.spent_micros).toBe(served * perImage);
    expect(Number(charged.total)).toBe(keyRow.spent_micros);
    expect(keyRow.reserved_micros).toBe(0);
    const openHolds = await store.db
      .selectFrom('holds')
      .select('request_id')
      .where('key_id', '=', record.id)
      .where('state', '=', 'open')
      .execute();
    expect(openHolds).toEqual([]);
  }, 120_000);

  it('serves a reused x-request-id once across both replicas and charges it once', async () => {
    const { key, record } = await createClientKey(store.db, { name: 'replayed' });
    const send = (target: Replica) =>
      fetch(`${target.url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key, 'x-request-id': 'replayed-id' },
        body: JSON.stringify({
          contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
          generationConfig: { responseModalities: ['IMAGE'] },
        }),
      });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => send(replicas[index % 2])));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    // Finished now: still refused, on either replica.
    for (const replica of replicas) expect((await send(replica)).status).toBe(409);
    const refused = await answers.find((answer) => answer.status === 409)?.json();
    expect(refused.error.message).not.toMatch(/duplicate key|constraint|relation|insert/i);

    const images = await store.db
      .selectFrom('request_log')
      .select((expression) => [
        expression.fn.sum<number>('images_out').as('images'),
        expression.fn.sum<number>('charged_micros').as('charged'),
      ])
      .where('key_id', '=', record.id)
      .executeTakeFirstOrThrow();
    const settles = await store.db
      .selectFrom('ledger')
      .select(['amount_micros'])
      .where('key_id', '=', record.id)
      .where('kind', '=', 'settle')
      .execute();
    const keyRow = await store.db
      .selectFrom('client_keys')
      .select('spent_micros')
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(Number(images.images)).toBe(1);
    expect(settles).toHaveLength(1);
    expect(Number(settles[0].amount_micros)).toBe(Number(keyRow.spent_micros));
    expect(Number(images.charged)).toBe(Number(keyRow.spent_micros));
  }, 60_000);

  it('keeps serving while Redis is down (rate limits fail open, counted per replica) and loses no row', async () => {
    const { key } = await createClientKey(store.db, { name: 'outage', requestsPerMinute: 3 });
    await stopRedis();
    redisStopped = true;
    try {
      // Still ready (every Redis-backed part has a fallback), reporting Redis as unavailable.
      await waitFor(async () => {
        const ready = await (await fetch(`${replicas[0].url}/readyz`)).json();
        expect(ready.status).toBe('ready');
        return ready.redis === 'unavailable';
      }, 'readiness to report the Redis outage');
      // Each replica now counts on its own: 3 per replica, so 6 of 10 round-robin requests pass.
      const statuses: number[] = [];
      for (let index = 0; index < 10; index += 1) statuses.push((await generate(key)).status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(6);
      expect(statuses.filter((status) => status === 429)).toHaveLength(4);
      // Unlimited traffic is untouched by the outage.
      for (let index = 0; index < 4; index += 1) expect((await generate(bootstrapKey)).status).toBe(200);
    } finally {
      await startRedis();
      redisStopped = false;
    }
    await waitFor(async () => {
      const states = await Promise.all(
        replicas.map(async (replica) => (await (await fetch(`${replica.url}/readyz`)).json()).redis),
      );
      return states.every((state) => state === 'ready');
    }, 'both replicas to reconnect to Redis');
    expect((await generate(bootstrapKey)).status).toBe(200);

    // A graceful stop drains and flushes; then every request sent by this file has its row.
    const exitCodes = await Promise.all(replicas.map((replica) => replica.stop()));
    expect(exitCodes).toEqual([0, 0]);
    const rows = await store.db.selectFrom('request_log').select('client_request_id').execute();
    const logged = new Set(rows.map((row) => row.client_request_id));
    expect(sentIds.filter((id) => !logged.has(id))).toEqual([]);
    // Every charge in the request log has its settle row in the ledger, and no hold is left open.
    const charges = await store.db
      .selectFrom('request_log')
      .select(['id', 'charged_micros'])
      .where('charged_micros', '>', 0)
      .execute();
    const settles = await store.db
      .selectFrom('ledger')
      .select(['request_id', 'amount_micros'])
      .where('kind', '=', 'settle')
      .execute();
    const settled = new Map(settles.map((row) => [row.request_id, row.amount_micros]));
    expect(charges.length).toBeGreaterThan(0);
    expect(charges.filter((row) => settled.get(row.id) !== row.charged_micros)).toEqual([]);
    const openHolds = await store.db
      .selectFrom('holds')
      .select('request_id')
      .where('state', '=', 'open')
      .execute();
    expect(openHolds).toEqual([]);
  }, 90_000);
});
