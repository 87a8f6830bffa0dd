// A spend limit is a limit across replicas: two gateway processes sharing one PostgreSQL database
// admit many concurrent requests for an image model that names no responseModalities (the model
// answers with an image anyway), and the key is never charged more than its limit.
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
} from '../helpers/services.js';

const model = 'gemini-3.1-flash-image';

describeWithServices('a spend limit shared by two replicas on PostgreSQL', () => {
  let scratch: ScratchSpace;
  let store: StoreDatabase;
  let sim: UpstreamSim;
  let dataDir: string;
  const replicas: Replica[] = [];
  let balancer: RoundRobin;
  let endTurn: (() => void) | undefined;

  beforeAll(async () => {
    endTurn = await takeServicesTurn();
    scratch = await createScratchSpace();
    store = await openDatabase(scratch.databaseUrl, '/nonexistent');
    sim = await startUpstreamSim();
    dataDir = mkdtempSync(join(tmpdir(), 'imagegate-spend-'));
    const configPath = join(dataDir, 'imagegate.yaml');
    writeFileSync(
      configPath,
      `channels:
  - { name: sim, provider: gemini-compatible, baseUrl: ${sim.url}, apiKeys: [k], models: [${model}] }
retest:
  enabled: false
`,
    );
    const options = {
      databaseUrl: scratch.databaseUrl,
      redisUrl,
      redisPrefix: scratch.redisPrefix,
      bootstrapKey: 'spend-bootstrap-key',
      configPath,
    };
    await startTwoReplicas(options, dataDir, replicas);
    balancer = new RoundRobin(replicas);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await store?.close();
    await sim?.close();
    await scratch?.dispose();
    endTurn?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('charges a $0.20 key at most $0.20 for 40 concurrent requests without responseModalities', async () => {
    const limitMicros = 200_000;
    const { key, record } = await createClientKey(store.db, { name: 'spend', spendLimitMicros: limitMicros });
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        balancer.fetch(
          `/v1beta/models/${model}:${index % 2 === 0 ? 'generateContent' : 'streamGenerateContent?alt=sse'}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
            body: JSON.stringify({
              contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
            }),
          },
        ),
      ),
    );
    const outcomes = await Promise.all(
      responses.map(async (response) => {
        const text = await response.text();
        if (response.status === 429 && /spend limit/.test(text)) return 'spend limit';
        return response.status === 200 && text.includes('"inlineData"')
          ? 'image'
          : `${response.status} ${text.slice(0, 200)}`;
      }),
    );
    expect(outcomes.filter((outcome) => outcome !== 'image' && outcome !== 'spend limit')).toEqual([]);
    expect(outcomes).toContain('image');

    // Both replicas flush their settles on a graceful stop.
    expect(await Promise.all(replicas.map((replica) => replica.stop()))).toEqual([0, 0]);
    const keyRow = await store.db
      .selectFrom('client_keys')
      .select(['spent_micros', 'reserved_micros'])
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    const ledger = await store.db
      .selectFrom('ledger')
      .select(['request_id', 'kind', 'amount_micros'])
      .where('key_id', '=', record.id)
      .execute();
    const settled = ledger.filter((row) => row.kind === 'settle');
    const charged = settled.reduce((sum, row) => sum + Number(row.amount_micros), 0);
    expect(charged).toBeLessThanOrEqual(limitMicros);
    expect(Number(keyRow.spent_micros)).toBe(charged);
    expect(Number(keyRow.reserved_micros)).toBe(0);
    expect(settled.length).toBe(outcomes.filter((outcome) => outcome === 'image').length);
    const held = new Map(ledger.filter((row) => row.kind === 'hold').map((row) => [row.request_id, row]));
    for (const settle of settled) {
      expect(Number(settle.amount_micros)).toBeLessThanOrEqual(
        Number(held.get(settle.request_id)?.amount_micros),
      );
    }
    const openHolds = await store.db
      .selectFrom('holds')
      .select('request_id')
      .where('key_id', '=', record.id)
      .where('state', '=', 'open')
      .execute();
    expect(openHolds).toEqual([]);
  }, 120_000);
});
