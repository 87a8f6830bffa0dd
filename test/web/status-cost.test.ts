// Anonymous visitors of /status and /status.json cannot make the gateway work for them: the documents
// come from a copy refreshed in the background, so pollers do not slow other clients down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
const statusRefreshMs = 5000;
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'local-image-edit';
let gateway: TestGateway;

/** Request log rows written straight to the store: recent live traffic the status summarises. */
async function seedRequestLog(rows: number): Promise<void> {
  const db = gateway.running.gateway.database.db;
  const now = Date.now();
  for (let start = 0; start < rows; start += 1000) {
    await db
      .insertInto('request_log')
      .values(
        Array.from({ length: Math.min(1000, rows - start) }, (_, index) => ({
          id: `seed-${start + index}`,
          created_at: now - ((start + index) % 600_000),
          key_id: null,
          door: 'gemini' as const,
          model,
          channel: 'local',
          status: (start + index) % 10 === 0 ? 503 : 200,
          error_class: (start + index) % 10 === 0 ? 'overloaded' : null,
          latency_ms: (start + index) % 2000,
          attempts: 1,
          images_out: 0,
          charged_micros: 0,
          stream: 0,
        })),
      )
      .execute();
  }
}

beforeAll(async () => {
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: local
    provider: local
    models: [${model}]
retest: { enabled: false }
`,
  });
  await seedRequestLog(100_000);
}, 120_000);
afterAll(async () => {
  await gateway.close();
});

async function timed(url: string, init?: RequestInit): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

describe('the status documents under polling', () => {
  it('serve one computed copy to every visitor until the next background refresh', async () => {
    const first = (await (await fetch(`${gateway.url}/status.json`)).json()) as { generatedAt: string };
    const seen = new Set<string>();
    for (let visit = 0; visit < 20; visit += 1) {
      const document = (await (await fetch(`${gateway.url}/status.json`)).json()) as { generatedAt: string };
      seen.add(document.generatedAt);
    }
    const page = await (await fetch(`${gateway.url}/status`)).text();
    // Twenty visits in well under the refresh period: at most the copy and one refresh of it.
    expect(seen.size).toBeLessThanOrEqual(2);
    expect([...seen][0] >= first.generatedAt).toBe(true);
    expect(page).toContain('local-image-edit');
  });

  it("does not move another client's latency while four loops poll /status.json and /status", async () => {
    const pollUntil = Date.now() + 4000;
    const generated = new Set<string>();
    let polls = 0;
    const poll = async (path: string) => {
      while (Date.now() < pollUntil) {
        const response = await fetch(`${gateway.url}${path}`);
        expect(response.status).toBe(200);
        if (path === '/status.json')
          generated.add(((await response.json()) as { generatedAt: string }).generatedAt);
        else await response.text();
        polls += 1;
      }
    };
    const other = async () => {
      const latencies: number[] = [];
      while (Date.now() < pollUntil) {
        const answer = await timed(`${gateway.url}/v1beta/models`, {
          headers: { 'x-goog-api-key': gateway.key },
        });
        expect(answer.status).toBe(200);
        latencies.push(answer.ms);
      }
      return latencies.sort((left, right) => left - right);
    };
    const [latencies] = await Promise.all([
      other(),
      poll('/status.json'),
      poll('/status.json'),
      poll('/status'),
      poll('/status.json'),
    ]);
    // Hundreds of visits in 4 s, but only as many documents as background refreshes in that time.
    expect(polls).toBeGreaterThan(20);
    expect(generated.size).toBeLessThanOrEqual(Math.ceil(4000 / statusRefreshMs) + 1);
    // Generous: each visit recomputing from 100k rows put the other client's median near a second.
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(250);
  }, 30_000);
});
