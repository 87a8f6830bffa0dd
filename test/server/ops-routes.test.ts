// The public operations endpoints tell a caller whether the gateway is ready, never why in the
// database's own words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: local
    provider: local
    models: [local-image-edit]
retest: { enabled: false }
`,
  });
});
afterAll(async () => {
  await gateway.running.app.close();
});

describe('readiness', () => {
  it('answers 503 without the database driver text when the database is gone', async () => {
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    await gateway.running.gateway.database.close();
    const answer = await fetch(`${gateway.url}/readyz`);
    expect(answer.status).toBe(503);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: 'database unavailable' });
  });
});
