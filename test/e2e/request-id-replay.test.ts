// A client's x-request-id names one request per key: a replay (finished or still running) is refused
// with 409 in the door's envelope and never served again, free or not; a request that failed with
// nothing sent or charged frees its id for a retry; other keys may use the same id; one tenant's
// collision never touches another tenant's requests in the same group commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
let sim: UpstreamSim;
let gateway: TestGateway;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, [model])}retest:\n  enabled: false\n`,
  });
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

const db = () => gateway.running.gateway.database.db;

async function newKey(name: string, spendLimitMicros?: number) {
  const created = await createClientKey(db(), { name, spendLimitMicros });
  return { key: created.key, id: created.record.id };
}

interface Answer {
  status: number;
  text: string;
  images: number;
}

async function generate(key: string, clientRequestId?: string): Promise<Answer> {
  const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-goog-api-key': key,
      ...(clientRequestId ? { 'x-request-id': clientRequestId } : {}),
    },
    body: JSON.stringify({
      contents: [{ parts: [{ text: 'a red circle on a white background' }] }],
      generationConfig: { responseModalities: ['IMAGE'] },
    }),
  });
  const text = await response.text();
  const images = response.status === 200 ? (text.match(/"inlineData"/g) ?? []).length : 0;
  return { status: response.status, text, images };
}

async function imagesOpenAi(key: string, clientRequestId: string, n: number): Promise<Answer> {
  const response = await fetch(`${gateway.url}/v1/images/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'x-request-id': clientRequestId,
    },
    body: JSON.stringify({ model, prompt: 'a blue square on a white background', n }),
  });
  const text = await response.text();
  const images = response.status === 200 ? (JSON.parse(text).data as unknown[]).length : 0;
  return { status: response.status, text, images };
}

/** What the database says a key was served and charged. */
async function ledgerOf(keyId: string) {
  await gateway.settled();
  const logged = await db()
    .selectFrom('request_log')
    .select(['id', 'images_out', 'charged_micros', 'status'])
    .where('key_id', '=', keyId)
    .execute();
  const settles = await db()
    .selectFrom('ledger')
    .select('request_id')
    .where('key_id', '=', keyId)
    .where('kind', '=', 'settle')
    .execute();
  return {
    imagesLogged: logged.reduce((sum, row) => sum + row.images_out, 0),
    chargedRows: logged.filter((row) => Number(row.charged_micros) > 0).length,
    settleRows: settles.length,
    rows: logged,
  };
}

const sqlWords = /sqlite|constraint|unique|insert|select|duplicate key|relation|ledger|holds|request_log/i;

function expectRefusedReplay(answer: Answer, envelope: 'gemini' | 'openai'): void {
  expect(answer.status).toBe(409);
  const body = JSON.parse(answer.text);
  if (envelope === 'gemini') {
    expect(body.error.code).toBe(409);
    expect(body.error.status).toBe('ABORTED');
  } else {
    expect(body.error.code).toBe('duplicate_request_id');
    expect(body.error.param).toBe('x-request-id');
  }
  expect(body.error.message).toMatch(/x-request-id/);
  expect(body.error.message.replace(/x-request-id/g, '')).not.toMatch(sqlWords);
}

describe('a reused x-request-id', () => {
  it('is never served twice on a key without a spend limit, one after the other or at once', async () => {
    const { key, id } = await newKey('replayer');
    const first = await generate(key, 'replay-1');
    expect(first.status).toBe(200);
    expect(first.images).toBe(1);
    // Finished: refused.
    expectRefusedReplay(await generate(key, 'replay-1'), 'gemini');
    // Still in flight: five copies at once, exactly one is served.
    const burst = await Promise.all(Array.from({ length: 5 }, () => generate(key, 'replay-2')));
    expect(burst.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of burst.filter((answer) => answer.status !== 200))
      expectRefusedReplay(answer, 'gemini');
    const served = [first, ...burst].reduce((sum, answer) => sum + answer.images, 0);
    const books = await ledgerOf(id);
    expect(books.imagesLogged).toBe(served);
    expect(books.chargedRows).toBe(served);
    expect(books.settleRows).toBe(served);
    expectBalanced(await billingTotals(gateway.running.gateway.database, id));
  });

  it('may be used by another key independently', async () => {
    const one = await newKey('independent-1');
    const two = await newKey('independent-2');
    const answers = await Promise.all([generate(one.key, 'shared-id'), generate(two.key, 'shared-id')]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect((await ledgerOf(one.id)).chargedRows).toBe(1);
    expect((await ledgerOf(two.id)).chargedRows).toBe(1);
  });

  it("fails only the colliding request: another tenant's requests in the same commit are served and charged", async () => {
    const tenantA = await newKey('tenant-a');
    const tenantB = await newKey('tenant-b', 1_000_000_000);
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, (_, index) => generate(tenantA.key, `turn-${index}`)),
      // B reuses one of A's ids (its own id space: served) and replays its own id three times.
      generate(tenantB.key, 'turn-0'),
      ...Array.from({ length: 3 }, () => generate(tenantB.key, 'b-dup')),
    ]);
    const fromA = answers.slice(0, 6);
    expect(fromA.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers[6].status).toBe(200);
    const duplicates = answers.slice(7);
    expect(duplicates.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of duplicates.filter((answer) => answer.status !== 200))
      expectRefusedReplay(answer, 'gemini');
    const booksA = await ledgerOf(tenantA.id);
    expect(booksA.chargedRows).toBe(6);
    expect(booksA.settleRows).toBe(6);
    const booksB = await ledgerOf(tenantB.id);
    expect(booksB.chargedRows).toBe(2);
    expect(booksB.imagesLogged).toBe(2);
    for (const keyId of [tenantA.id, tenantB.id]) {
      expectBalanced(await billingTotals(gateway.running.gateway.database, keyId));
    }
  });

  it('is claimed once for all n images of an OpenAI request, and a replay is refused in the OpenAI envelope', async () => {
    const { key, id } = await newKey('openai-n');
    const first = await imagesOpenAi(key, 'n-two', 2);
    expect(first.status).toBe(200);
    expect(first.images).toBe(2);
    expectRefusedReplay(await imagesOpenAi(key, 'n-two', 2), 'openai');
    expectRefusedReplay(await imagesOpenAi(key, 'n-two', 3), 'openai');
    const books = await ledgerOf(id);
    expect(books.imagesLogged).toBe(2);
    expect(books.chargedRows).toBe(2);
  });

  it('stays free when the spend limit refused it, so the same id works once the limit is raised', async () => {
    const { key, id } = await newKey('too-poor', 1);
    expect((await generate(key, 'after-raise')).status).toBe(429);
    const raised = await fetch(`${gateway.url}/admin/keys/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}` },
      body: JSON.stringify({ spendLimitUsd: 100 }),
    });
    expect(raised.status).toBe(200);
    const retried = await generate(key, 'after-raise');
    expect(retried.status).toBe(200);
    expectRefusedReplay(await generate(key, 'after-raise'), 'gemini');
    expectBalanced(await billingTotals(gateway.running.gateway.database, id));
  });

  it('may be sent again after a failure that sent and charged nothing (an SDK retrying a 503)', async () => {
    for (const spendLimitMicros of [undefined, 1_000_000_000]) {
      const { key, id } = await newKey(`retrier-${spendLimitMicros ?? 'unlimited'}`, spendLimitMicros);
      sim.setFaults(['503']);
      try {
        expect((await generate(key, 'retry-me')).status).toBe(503);
      } finally {
        sim.setFaults([]);
      }
      const retried = await generate(key, 'retry-me');
      expect(retried.status).toBe(200);
      expectRefusedReplay(await generate(key, 'retry-me'), 'gemini');
      const books = await ledgerOf(id);
      expect(books.chargedRows).toBe(1);
      expectBalanced(await billingTotals(gateway.running.gateway.database, id));
    }
  });

  it('that the gateway cannot keep is refused with 400 naming the header, not silently dropped', async () => {
    const { key } = await newKey('bad-id');
    const answer = await generate(key, 'has spaces and ünïcode');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error.message).toMatch(/x-request-id/);
    const long = await generate(key, 'x'.repeat(129));
    expect(long.status).toBe(400);
  });
});
