// The bench's fixed upstream stands for a healthy route: its answers go through the gateway
// billed exactly, with no drift evidence, so the bench measures the path most requests take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixedUpstream } from '../../bench/fixed-upstream.js';
import { answerFingerprint, BENCH_MODEL, checkImage, requestBody } from '../../bench/payloads.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

describe('bench fixed upstream through the gateway', () => {
  let upstream: { port: number; close(): void };
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startFixedUpstream();
    gateway = await startTestGateway({
      configYaml: `channels:\n${simChannelYaml('bench', `http://127.0.0.1:${upstream.port}`, [BENCH_MODEL])}retest:\n  enabled: false\n`,
    });
  });
  afterAll(async () => {
    await gateway.close();
    upstream.close();
  });

  it('returns the upstream image, charges it, and finds no billing drift', async () => {
    const answer = await fetch(`${gateway.url}/v1beta/models/${BENCH_MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: new Uint8Array(requestBody('gemini', '1KB')),
    });
    expect(answer.status).toBe(200);
    expect(
      checkImage(Buffer.from(await answer.arrayBuffer()), answerFingerprint('1KB'), true),
    ).toBeUndefined();

    await gateway.settled();
    const db = gateway.running.gateway.database.db;
    const logged = await db.selectFrom('request_log').select(['status', 'charged_micros']).execute();
    expect(logged).toHaveLength(1);
    expect(logged[0].status).toBe(200);
    expect(Number(logged[0].charged_micros)).toBeGreaterThan(0);
    const evidence = await db.selectFrom('billing_evidence').selectAll().execute();
    expect(evidence).toEqual([]);
  });
});
