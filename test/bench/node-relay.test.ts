// The bench's bare Node relay is a floor only if it moves the same bytes: each answer must be the
// upstream's, byte for byte, and each request must reach the upstream once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_PATH, startFixedUpstream, type UpstreamStats } from '../../bench/fixed-upstream.js';
import { answerFingerprint, BENCH_MODEL, checkImage, requestBody } from '../../bench/payloads.js';
import { type RunningProxy, startNodeRelay } from '../../bench/peers.js';

describe('bench bare Node relay', () => {
  let upstream: { port: number; close(): void };
  let relay: RunningProxy;
  const upstreamOrigin = () => `http://127.0.0.1:${upstream.port}`;
  const upstreamRequests = async () =>
    ((await (await fetch(`${upstreamOrigin()}${STATS_PATH}`)).json()) as UpstreamStats).requests;

  beforeAll(async () => {
    upstream = await startFixedUpstream();
    relay = await startNodeRelay(upstreamOrigin());
  }, 30_000);
  afterAll(async () => {
    await relay?.service.stop();
    upstream?.close();
  });

  it('relays the upstream answer byte for byte, one upstream request per call', async () => {
    const before = await upstreamRequests();
    for (const size of ['1KB', '1MB'] as const) {
      const answer = await fetch(`${relay.origin}/v1beta/models/${BENCH_MODEL}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'bench-upstream-key' },
        body: new Uint8Array(requestBody('gemini', size)),
      });
      expect(answer.status).toBe(200);
      const body = Buffer.from(await answer.arrayBuffer());
      expect(checkImage(body, answerFingerprint(size), true)).toBeUndefined();
    }
    expect((await upstreamRequests()) - before).toBe(2);
  });
});
