import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ListingError } from '../../../src/providers/model-listing.js';
import {
  listOpenAiModels,
  parseOpenAiModelList,
  planOpenAiListRequest,
} from '../../../src/providers/openai/list-models.js';
import { rememberSecrets } from '../../../src/security/known-secrets.js';
import { type AnsweringServer, answerJson, startAnsweringServer } from '../../helpers/answering-server.js';

const fixture = JSON.parse(readFileSync('test/fixtures/openai-list-models.json', 'utf8'));
const channelKey = 'sk-openai-list-key-0123456789';
rememberSecrets([channelKey]);

let server: AnsweringServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = (baseUrl: string) => ({
  channelName: 'openai',
  baseUrl,
  apiKey: channelKey,
  authStyle: 'bearer' as const,
  signal: AbortSignal.timeout(10_000),
});

describe("reading OpenAI's model list", () => {
  it('reads each id with its announced shutdown date and its creation date', () => {
    const listing = parseOpenAiModelList(fixture);
    expect(listing.models).toEqual([
      { upstreamId: 'gpt-image-2.6-sunburst', shutdown: null, created: '2025-11-04' },
      { upstreamId: 'gpt-image-1-mini', shutdown: '2026-12-01', created: '2025-10-06' },
      { upstreamId: 'gpt-6.1-sol', shutdown: null, created: '2023-06-16' },
      { upstreamId: 'chatgpt-image-latest', shutdown: '2026-12-01', created: '2023-06-16' },
    ]);
    expect(listing).toMatchObject({ skipped: 0, pages: 1 });
  });

  it('takes only real YYYY-MM-DD dates as shutdowns', () => {
    const dates = ['2026-02-30', 'tomorrow', 20261201, '2026-12-01T00:00:00Z', '', '2027-01-15'];
    const listing = parseOpenAiModelList({
      data: dates.map((date, index) => ({ id: `m${index}`, shutdown_date: date, created: 1e20 })),
    });
    expect(listing.models.map((model) => model.shutdown)).toEqual([
      null,
      null,
      null,
      null,
      null,
      '2027-01-15',
    ]);
    expect(listing.models.every((model) => model.created === undefined)).toBe(true);
  });

  it('leaves out entries without a model id and refuses a body without a data array', () => {
    const listing = parseOpenAiModelList({
      data: [{ id: 'ok' }, { id: '' }, { id: 'x'.repeat(500) }, 'gpt', null],
    });
    expect(listing.models.map((model) => model.upstreamId)).toEqual(['ok']);
    expect(listing.skipped).toBe(4);
    for (const body of [null, [], { data: {} }, { object: 'list' }]) {
      expect(() => parseOpenAiModelList(body)).toThrow(ListingError);
    }
  });

  it('asks {base}/v1/models with the key as a bearer token, not doubling a /v1 base', () => {
    expect(planOpenAiListRequest({ baseUrl: 'https://api.openai.com', apiKey: 'k' })).toEqual({
      url: 'https://api.openai.com/v1/models',
      headers: { authorization: 'Bearer k' },
    });
    expect(planOpenAiListRequest({ baseUrl: 'https://router.example/v1/' }).url).toBe(
      'https://router.example/v1/models',
    );
  });
});

describe("listing an OpenAI upstream's models over HTTP", () => {
  it('reads the list the upstream answers', async () => {
    server = await startAnsweringServer((_request, response) => answerJson(response, 200, fixture));
    const listing = await listOpenAiModels(target(server.url));
    expect(listing.models).toHaveLength(4);
    expect(server.requests[0].url.pathname).toBe('/v1/models');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${channelKey}`);
  });

  it('tells a refused key by its class and never repeats the key it echoes', async () => {
    server = await startAnsweringServer((_request, response) =>
      answerJson(response, 401, {
        error: {
          message: `Incorrect API key provided: ${channelKey}. You can find your API key at https://platform.openai.com/account/api-keys?key=${channelKey}.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      }),
    );
    const error = (await listOpenAiModels(target(server.url)).catch(
      (thrown: unknown) => thrown,
    )) as ListingError;
    expect(error).toBeInstanceOf(ListingError);
    expect(error.errorClass).toBe('auth');
    expect(error.message).toBe('HTTP 401 (auth)');
    expect(error.detail).toMatch(/^Incorrect API key provided/);
    expect(`${error.message} ${error.detail}`).not.toContain(channelKey);
    expect(error.detail).not.toContain('sk-openai');
  });

  it('refuses a list far longer than any upstream has', async () => {
    server = await startAnsweringServer((_request, response) =>
      answerJson(response, 200, {
        data: Array.from({ length: 10_001 }, (_, index) => ({ id: `m${index}` })),
      }),
    );
    await expect(listOpenAiModels(target(server.url))).rejects.toThrow(/more than 10000 models/);
  });
});
