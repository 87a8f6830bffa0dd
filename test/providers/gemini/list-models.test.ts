import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listGeminiModels,
  parseListModelsPage,
  planListModelsRequest,
} from '../../../src/providers/gemini/list-models.js';
import { type ListingTarget, ListingError, listingLimits } from '../../../src/providers/model-listing.js';
import { rememberSecrets } from '../../../src/security/known-secrets.js';
import { type AnsweringServer, answerJson, startAnsweringServer } from '../../helpers/answering-server.js';

const fixture = JSON.parse(readFileSync('test/fixtures/gemini-list-models.json', 'utf8'));
const channelKey = 'gemini-list-key-0123456789';
rememberSecrets([channelKey]);

let server: AnsweringServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function target(baseUrl: string, authStyle: ListingTarget['authStyle'] = 'header'): ListingTarget {
  return {
    channelName: 'google',
    baseUrl,
    apiKey: channelKey,
    authStyle,
    signal: AbortSignal.timeout(10_000),
  };
}

async function listingError(promise: Promise<unknown>): Promise<ListingError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ListingError);
  return error as ListingError;
}

describe("reading one page of Gemini's model list", () => {
  it('reads a recorded page: ids without models/, the figures, the next page token', () => {
    const page = parseListModelsPage(fixture);
    expect(page.models.map((model) => model.upstreamId)).toEqual([
      'gemini-3-pro-image-preview',
      'gemini-2.5-flash-image',
      'imagen-4.0-generate-001',
    ]);
    expect(page.models[0]).toMatchObject({
      displayName: 'Nano Banana Pro',
      version: '3.0',
      inputTokenLimit: 131072,
      outputTokenLimit: 32768,
      thinking: true,
      shutdown: null,
      methods: ['generateContent', 'countTokens', 'batchGenerateContent'],
    });
    expect(page.models[1].thinking).toBeUndefined();
    expect(page.nextPageToken).toBe(fixture.nextPageToken);
    expect(page.skipped).toBe(0);
  });

  it('reads an empty account ({}) as no models and no next page', () => {
    expect(parseListModelsPage({})).toEqual({ models: [], skipped: 0, nextPageToken: undefined });
  });

  it('leaves out entries that are not a model with a model id, and counts them', () => {
    const page = parseListModelsPage({
      models: [
        null,
        7,
        ['models/x'],
        { name: 'models/has space' },
        { name: `models/${'a'.repeat(200)}` },
        { name: 'models/\u001b[31mred' },
        { name: 42 },
        {
          name: 'models/gemini-3.1-flash-image',
          displayName: 'Nano\u001b[2J Banana\u202e 2',
          inputTokenLimit: -5,
        },
      ],
    });
    expect(page.models).toHaveLength(1);
    expect(page.models[0]).toMatchObject({
      upstreamId: 'gemini-3.1-flash-image',
      displayName: 'Nano [2J Banana 2',
    });
    expect(page.models[0].inputTokenLimit).toBeUndefined();
    expect(page.skipped).toBe(7);
  });

  it('refuses answers that are not a model list', () => {
    for (const body of [null, [], 'models', { models: {} }, { models: [], nextPageToken: 5 }]) {
      expect(() => parseListModelsPage(body)).toThrow(ListingError);
    }
    expect(() => parseListModelsPage({ models: [], nextPageToken: 'has space' })).toThrow(/page token/);
  });

  it('asks for the largest page and sends the key the way the channel does', () => {
    const header = planListModelsRequest({
      baseUrl: 'https://g.example/',
      apiKey: 'k1',
      authStyle: 'header',
    });
    expect(header.url).toBe('https://g.example/v1beta/models?pageSize=1000');
    expect(header.headers).toEqual({ 'x-goog-api-key': 'k1' });
    const query = planListModelsRequest(
      { baseUrl: 'https://g.example', apiKey: 'k1', authStyle: 'query' },
      'a/b=',
    );
    expect(new URL(query.url).searchParams.get('pageToken')).toBe('a/b=');
    expect(new URL(query.url).searchParams.get('key')).toBe('k1');
    expect(query.headers).toEqual({});
    const bearer = planListModelsRequest({ baseUrl: 'https://g.example', apiKey: 'k1', authStyle: 'bearer' });
    expect(bearer.headers).toEqual({ authorization: 'Bearer k1' });
  });
});

describe("listing a Gemini upstream's models over HTTP", () => {
  it('follows nextPageToken over several pages to the end', async () => {
    const names = ['m-image-1', 'm-image-2', 'm-image-3', 'm-image-4', 'm-image-5'];
    server = await startAnsweringServer((_request, response, url) => {
      const offset = Number(url.searchParams.get('pageToken') ?? 0);
      const next = offset + 2;
      answerJson(response, 200, {
        models: names.slice(offset, next).map((name) => ({ name: `models/${name}` })),
        ...(next < names.length ? { nextPageToken: String(next) } : {}),
      });
    });
    const listing = await listGeminiModels(target(server.url));
    expect(listing.models.map((model) => model.upstreamId)).toEqual(names);
    expect(listing.pages).toBe(3);
    expect(server.requests.map((request) => request.url.searchParams.get('pageToken'))).toEqual([
      null,
      '2',
      '4',
    ]);
    expect(server.requests.every((request) => request.url.searchParams.get('pageSize') === '1000')).toBe(
      true,
    );
    expect(server.requests[0].headers['x-goog-api-key']).toBe(channelKey);
  });

  it('stops when the upstream hands out a page token twice', async () => {
    server = await startAnsweringServer((_request, response) =>
      answerJson(response, 200, { models: [{ name: 'models/a' }], nextPageToken: 'again' }),
    );
    const error = await listingError(listGeminiModels(target(server.url)));
    expect(error.message).toBe('the upstream gave a page token twice');
    expect(server.requests).toHaveLength(2);
  });

  it('stops after a bounded number of pages', async () => {
    server = await startAnsweringServer((_request, response, url) =>
      answerJson(response, 200, {
        models: [],
        nextPageToken: `t${Number(url.searchParams.get('pageToken')?.slice(1) ?? 0) + 1}`,
      }),
    );
    const error = await listingError(listGeminiModels(target(server.url)));
    expect(error.message).toMatch(/past 50 pages/);
    expect(server.requests).toHaveLength(listingLimits.pages);
  });

  it('refuses a huge answer without holding it, declared or not', async () => {
    const huge = Buffer.alloc(listingLimits.bodyBytes + 1, 0x20);
    for (const declared of [true, false]) {
      server = await startAnsweringServer((_request, response) => {
        response.writeHead(200, declared ? { 'content-length': String(huge.length) } : {});
        response.end(huge);
      });
      const error = await listingError(listGeminiModels(target(server.url)));
      expect(error.message).toMatch(/larger than 8388608 bytes/);
      await server.close();
      server = undefined;
    }
  });

  it('refuses an answer that is not JSON, or nests too deep, in its own words', async () => {
    server = await startAnsweringServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>Welcome to the proxy</html>');
    });
    const notJson = await listingError(listGeminiModels(target(server.url)));
    expect(notJson.message).toBe('the answer is not JSON');
    expect(notJson.detail).toBeUndefined();
    await server.close();
    server = await startAnsweringServer((_request, response) =>
      answerJson(response, 200, `{"models":${'['.repeat(100_000)}`),
    );
    const deep = await listingError(listGeminiModels(target(server.url)));
    expect(deep.message).toBe('the answer nests deeper than 64 levels');
  });

  it('tells a refused key by its class and scrubs every key from the upstream message', async () => {
    server = await startAnsweringServer((_request, response) =>
      answerJson(response, 400, {
        error: {
          code: 400,
          message: `API key not valid: ${channelKey} (also tried AIzaSyLeakedKeyLeaked0123456789 \u001b[31m)`,
          status: 'INVALID_ARGUMENT',
        },
      }),
    );
    const error = await listingError(listGeminiModels(target(server.url)));
    expect(error.errorClass).toBe('auth');
    expect(error.message).toBe('HTTP 400 (auth)');
    expect(error.detail).toMatch(/^API key not valid/);
    expect(error.detail).not.toContain(channelKey);
    expect(error.detail).not.toContain('AIzaSyLeaked');
    expect(error.detail).not.toContain('\u001b');
  });

  it('names an upstream it cannot reach without its error text', async () => {
    const error = await listingError(listGeminiModels(target('http://127.0.0.1:1')));
    expect(error.message).toBe('could not reach the upstream (ECONNREFUSED)');
    expect(error.errorClass).toBe('connection');
  });
});
