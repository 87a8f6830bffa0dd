import { expect, it } from 'vitest';
import {
  createClientKey,
  insertRequestLogNow,
  queryRequestLog,
  type RequestLogEntry,
  RequestLogWriter,
  usageSummary,
} from '../../src/store/index.js';
import { describeEachBackend } from './backends.js';

function entry(overrides: Partial<RequestLogEntry> & { id: string }): RequestLogEntry {
  return {
    createdAt: 1_700_000_000_000,
    keyId: null,
    door: 'gemini',
    model: 'gemini-3.1-flash-image',
    channel: 'google-main',
    status: 200,
    errorClass: null,
    latencyMs: 1234,
    attempts: 1,
    promptTokens: 10,
    candidatesTokens: 1120,
    totalTokens: 1130,
    outputImageTokens: 1120,
    imagesOut: 1,
    chargedMicros: 67_000,
    stream: false,
    ...overrides,
  };
}

describeEachBackend('request log', (current) => {
  it('writes every queued row in batches once flushed', async () => {
    const { db } = current();
    const writer = new RequestLogWriter(db, { batchSize: 100, flushIntervalMs: 50 });
    for (let index = 0; index < 250; index++) {
      writer.record(entry({ id: `request-${index}`, createdAt: 1_700_000_000_000 + index }));
    }
    expect(writer.pending).toBeGreaterThan(0);
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(writer.dropped).toBe(0);
    const count = await db
      .selectFrom('request_log')
      .select(db.fn.countAll<number>().as('rows'))
      .executeTakeFirst();
    expect(Number(count?.rows)).toBe(250);
    await writer.close();
  });

  it('groups rows into one insert per batch of at most batchSize rows', async () => {
    let inserts = 0;
    const counted = current().db.withPlugin({
      transformQuery(args) {
        if (args.node.kind === 'InsertQueryNode') inserts++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const writer = new RequestLogWriter(counted, { batchSize: 100 });
    for (let index = 0; index < 250; index++) writer.record(entry({ id: `batched-${index}` }));
    await writer.close();
    expect(inserts).toBe(3);
  });

  it('writes a partial batch on its own after the flush interval', async () => {
    const { db } = current();
    const writer = new RequestLogWriter(db, { flushIntervalMs: 10 });
    writer.record(entry({ id: 'lonely' }));
    await expect
      .poll(async () => (await queryRequestLog(db)).map((row) => row.id), { timeout: 2000, interval: 20 })
      .toEqual(['lonely']);
    await writer.close();
  });

  it('refuses rows after close and reports them lost instead of throwing', async () => {
    const lost: number[] = [];
    const writer = new RequestLogWriter(current().db, { onError: (_error, rows) => lost.push(rows) });
    writer.record(entry({ id: 'before-close' }));
    await writer.close();
    writer.record(entry({ id: 'after-close' }));
    expect(lost).toEqual([1]);
    expect(writer.dropped).toBe(1);
    expect((await queryRequestLog(current().db)).map((row) => row.id)).toEqual(['before-close']);
  });

  it('writes the attempts of a request with its log row', async () => {
    const { db } = current();
    await insertRequestLogNow(
      db,
      entry({
        id: 'failover',
        attempts: 2,
        attemptDetails: [
          {
            attemptNo: 1,
            channel: 'google-main',
            keyFingerprint: 'ab12',
            outcome: 'overloaded',
            httpStatus: 503,
            latencyMs: 80,
          },
          { attemptNo: 2, channel: 'backup', outcome: 'ok', httpStatus: 200, latencyMs: 900 },
        ],
      }),
    );
    const attempts = await db.selectFrom('request_attempts').selectAll().orderBy('attempt_no').execute();
    expect(
      attempts.map((attempt) => [attempt.attempt_no, attempt.channel, attempt.outcome, attempt.http_status]),
    ).toEqual([
      [1, 'google-main', 'overloaded', 503],
      [2, 'backup', 'ok', 200],
    ]);
    expect(attempts[1]?.key_fingerprint).toBeNull();
  });

  it('ignores a row recorded twice with the same request id', async () => {
    const { db } = current();
    await insertRequestLogNow(db, entry({ id: 'twice', status: 200 }));
    await insertRequestLogNow(db, entry({ id: 'twice', status: 500 }));
    const rows = await queryRequestLog(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe(200);
  });

  it('reads rows back newest first, filtered by key, model and time', async () => {
    const { db } = current();
    await insertRequestLogNow(db, entry({ id: 'old', keyId: 'k1', createdAt: 1000 }));
    await insertRequestLogNow(db, entry({ id: 'new', keyId: 'k1', createdAt: 3000, stream: true }));
    await insertRequestLogNow(
      db,
      entry({ id: 'other-key', keyId: 'k2', createdAt: 2000, model: 'gpt-image-2' }),
    );
    expect((await queryRequestLog(db)).map((row) => row.id)).toEqual(['new', 'other-key', 'old']);
    expect((await queryRequestLog(db, { keyId: 'k1' })).map((row) => row.id)).toEqual(['new', 'old']);
    expect((await queryRequestLog(db, { since: new Date(2000) })).map((row) => row.id)).toEqual([
      'new',
      'other-key',
    ]);
    expect((await queryRequestLog(db, { model: 'gpt-image-2' })).map((row) => row.id)).toEqual(['other-key']);
    expect((await queryRequestLog(db, { limit: 1 })).map((row) => row.id)).toEqual(['new']);
    const [newest] = await queryRequestLog(db, { limit: 1 });
    expect(newest).toMatchObject({
      stream: true,
      thoughtsTokens: null,
      chargedMicros: 67_000,
      door: 'gemini',
    });
  });

  it('sums usage per key and model', async () => {
    const { db } = current();
    const { record } = await createClientKey(db, { name: 'team-a' });
    const writer = new RequestLogWriter(db);
    for (let index = 0; index < 30; index++) {
      writer.record(
        entry({
          id: `a-${index}`,
          keyId: record.id,
          createdAt: 5000 + index,
          imagesOut: 2,
          promptTokens: 10,
          candidatesTokens: 2240,
          thoughtsTokens: index % 2 === 0 ? 100 : null,
          totalTokens: 2250,
          chargedMicros: 100_000_000 + index,
        }),
      );
    }
    writer.record(
      entry({
        id: 'a-failed',
        keyId: record.id,
        status: 503,
        errorClass: 'overloaded',
        imagesOut: 0,
        chargedMicros: 0,
      }),
    );
    writer.record(
      entry({ id: 'b-1', keyId: record.id, model: 'gpt-image-2', door: 'openai-images', chargedMicros: 42 }),
    );
    writer.record(entry({ id: 'anonymous', keyId: null, chargedMicros: 7 }));
    await writer.close();

    const summary = await usageSummary(db, { keyId: record.id });
    const flash = summary.find((row) => row.model === 'gemini-3.1-flash-image');
    expect(summary).toHaveLength(2);
    expect(flash).toEqual({
      keyId: record.id,
      keyName: 'team-a',
      model: 'gemini-3.1-flash-image',
      requests: 31,
      failedRequests: 1,
      imagesOut: 60,
      promptTokens: 310,
      candidatesTokens: 30 * 2240 + 1120,
      thoughtsTokens: 1500,
      totalTokens: 30 * 2250 + 1130,
      inputImageTokens: 0,
      outputImageTokens: 31 * 1120,
      chargedMicros: 30 * 100_000_000 + (29 * 30) / 2,
    });
    expect(flash?.chargedMicros).toBeGreaterThan(2 ** 31);
    expect(summary.find((row) => row.model === 'gpt-image-2')?.chargedMicros).toBe(42);

    const everyone = await usageSummary(db);
    expect(everyone.find((row) => row.keyId === null)).toMatchObject({
      keyName: null,
      requests: 1,
      chargedMicros: 7,
    });
    const recent = await usageSummary(db, { keyId: record.id, since: 5010, until: 5020 });
    expect(recent).toHaveLength(1);
    expect(recent[0]?.requests).toBe(10);
  });
});
