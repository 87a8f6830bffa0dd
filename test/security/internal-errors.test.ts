// A failure inside the gateway (here: the store refuses a hold) is answered in the door's envelope
// with the gateway's own words and the request id; the database's text goes only to the log.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
let sim: UpstreamSim;
let gateway: TestGateway;
let limitedKey: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, [model])}retest:\n  enabled: false\n`,
  });
  limitedKey = (
    await createClientKey(gateway.running.gateway.database.db, { name: 'held', spendLimitMicros: 10_000_000 })
  ).key;
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

const storeWords = /sqlite|no such table|holds|constraint|insert|select|relation|syntax/i;

const doors = [
  {
    name: 'Gemini',
    path: `/v1beta/models/${model}:generateContent`,
    headers: () => ({ 'x-goog-api-key': limitedKey }),
    body: { contents: [{ parts: [{ text: 'a red circle' }] }] },
  },
  {
    name: 'OpenAI Images',
    path: '/v1/images/generations',
    headers: () => ({ authorization: `Bearer ${limitedKey}` }),
    body: { model, prompt: 'a red circle' },
  },
  {
    name: 'OpenAI chat',
    path: '/v1/chat/completions',
    headers: () => ({ authorization: `Bearer ${limitedKey}` }),
    body: { model, messages: [{ role: 'user', content: 'a red circle' }] },
  },
];

describe('a store failure during a request', () => {
  for (const door of doors) {
    it(`answers 500 in the ${door.name} envelope without the database's text`, async () => {
      const db = gateway.running.gateway.database.db;
      await sql`ALTER TABLE holds RENAME TO holds_away`.execute(db);
      let response: Response;
      try {
        response = await fetch(`${gateway.url}${door.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...door.headers() },
          body: JSON.stringify(door.body),
        });
      } finally {
        await sql`ALTER TABLE holds_away RENAME TO holds`.execute(db);
      }
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toMatch(storeWords);
      const body = JSON.parse(text);
      expect(body.error.message).toMatch(/x-request-id/);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/);
      if (door.name === 'Gemini') expect(body.error.status).toBe('INTERNAL');
      else expect(typeof body.error.type).toBe('string');
      // Nothing was sent upstream and nothing is left held.
      const open = await db.selectFrom('holds').select('request_id').where('state', '=', 'open').execute();
      expect(open).toEqual([]);
    });
  }
});
