// usageMetadata is upstream text. Counts that cannot be priced or stored (negative, fractional,
// strings, astronomically large) must neither fail the settle (an image served and never charged
// or logged) nor set the bill: the image is charged at the catalog price, and the books balance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costOfUsage } from '../../src/billing/cost.js';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { startUsageUpstream, type UsageUpstream } from '../helpers/usage-upstream.js';
import { blackPng } from './images.js';

const model = 'gemini-3.1-flash-image';
const image = blackPng(32, 32).toString('base64');
let upstream: UsageUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startUsageUpstream(image, model);
  gateway = await startTestGateway({
    configYaml: `channels:
  - name: hostile
    provider: gemini-compatible
    baseUrl: ${upstream.url}
    apiKeys: [upstream-key]
    models: [${model}]
retest:
  enabled: false
`,
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const hostileUsages = {
  'negative image tokens': {
    promptTokenCount: 10,
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: -1120 }],
  },
  'fractional counts': { promptTokenCount: 10.37, candidatesTokenCount: 1120.5 },
  'a string count': {
    promptTokenCount: '10',
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: '1120' }],
  },
  'an astronomical count': { promptTokenCount: 10, candidatesTokenCount: 1e300 },
};

describe('an upstream that reports usage it cannot have', () => {
  for (const [name, reported] of Object.entries(hostileUsages)) {
    it(`is charged and logged at the catalog price of the image it served (${name})`, async () => {
      upstream.setUsage(reported);
      const response = await fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'a black square' }] }] }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      const requestId = response.headers.get('x-request-id') ?? '';
      await gateway.settled();
      const row = await gateway.running.gateway.database.db
        .selectFrom('request_log')
        .select(['images_out', 'charged_micros', 'prompt_tokens'])
        .where('id', '=', requestId)
        .executeTakeFirstOrThrow();
      expect(row.images_out).toBe(1);
      // At least the image's catalog price; never a made-up figure.
      const catalogModel = loadBuiltinCatalog().resolve(model);
      const imageOnly = costOfUsage(
        { candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }] },
        catalogModel!,
      ).micros;
      expect(Number(row.charged_micros)).toBeGreaterThanOrEqual(imageOnly);
      expect(Number(row.charged_micros)).toBeLessThan(imageOnly * 2);
      expectBalanced(await billingTotals(gateway.running.gateway.database));
    });
  }
});
