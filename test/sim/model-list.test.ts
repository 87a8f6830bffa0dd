import { describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../../src/sim/index.js';
import {
  type GeminiResponseShape,
  flashModel,
  generatePath,
  postGemini,
  textRequest,
  useSim,
} from './helpers.js';

interface GeminiModelPage {
  models: Record<string, unknown>[];
  nextPageToken?: string;
}

interface OpenAiModelObject {
  id: string;
  object: string;
  created: number;
  owned_by: string;
  shutdown_date: string | null;
}

const googleKey = { 'x-goog-api-key': 'k' };
const bearer = { authorization: 'Bearer sk-test' };

async function geminiPage(
  sim: UpstreamSim,
  query: string,
): Promise<{ status: number; body: GeminiModelPage }> {
  const response = await fetch(`${sim.url}/v1beta/models${query}`, { headers: googleKey });
  return { status: response.status, body: (await response.json()) as GeminiModelPage };
}

/** Follows nextPageToken to the end; returns the names in order and how many pages it took. */
async function allGeminiNames(
  sim: UpstreamSim,
  pageSize: number,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const tokenQuery = token ? `&pageToken=${encodeURIComponent(token)}` : '';
    const { body } = await geminiPage(sim, `?pageSize=${pageSize}${tokenQuery}`);
    names.push(...body.models.map((model) => String(model.name)));
    token = body.nextPageToken;
    pages++;
  } while (token && pages < 50);
  return { names, pages };
}

async function openAiList(sim: UpstreamSim): Promise<OpenAiModelObject[]> {
  const response = await fetch(`${sim.url}/v1/models`, { headers: bearer });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { object: string; data: OpenAiModelObject[] };
  expect(body.object).toBe('list');
  return body.data;
}

describe('upstream-sim default model list', () => {
  it('lists the GA Gemini image models of 2026-12-06 and no preview id', async () => {
    const sim = await useSim();
    const { names } = await allGeminiNames(sim, 50);
    expect(names).toEqual([
      'models/gemini-3.1-flash-image',
      'models/gemini-3-pro-image',
      'models/gemini-3.1-flash-lite-image',
      'models/gemini-nano-banana-2.1',
    ]);
    expect(names.filter((name) => name.includes('preview'))).toEqual([]);
    expect(sim.models.gone.gemini).toEqual(
      expect.arrayContaining([
        'gemini-3.1-flash-image-preview',
        'gemini-3-pro-image-preview',
        'gemini-2.5-flash-image',
      ]),
    );
  });

  it('lists the gpt-image-2 line on GET /v1/models and none of the shut-down gpt-image-1 ids', async () => {
    const sim = await useSim();
    const ids = (await openAiList(sim)).map((model) => model.id);
    expect(ids.filter((id) => !id.startsWith('google/'))).toEqual([
      'gpt-image-2',
      'gpt-image-2.5-sunburst',
      'gpt-image-2.5-flare',
      'gpt-image-2.6-sunburst',
      'gpt-image-2.6-flare',
    ]);
    expect(ids).not.toContain('gpt-image-1');
    expect(ids).not.toContain('gpt-image-1.5');
    expect(ids.filter((id) => id.includes('preview'))).toEqual([]);
  });

  it('describes Nano Banana 2 Lite as a 1K-only model with 14 aspect ratios', async () => {
    const sim = await useSim();
    const lite = sim.models.findGemini('gemini-3.1-flash-lite-image');
    expect(lite?.imageTokens).toEqual({ '1K': 1120 });
    expect(lite?.aspectRatios).toHaveLength(14);
    const response = await fetch(`${sim.url}/v1beta/models/gemini-3.1-flash-lite-image`, {
      headers: googleKey,
    });
    expect(await response.json()).toMatchObject({
      name: 'models/gemini-3.1-flash-lite-image',
      displayName: 'Nano Banana 2 Lite',
      inputTokenLimit: 65536,
      outputTokenLimit: 4096,
      thinking: true,
    });
    const twoK = await postGemini(
      sim,
      generatePath('gemini-3.1-flash-lite-image'),
      textRequest(undefined, { generationConfig: { imageConfig: { imageSize: '2K' } } }),
    );
    expect(twoK.status).toBe(400);
    expect(((await twoK.json()) as GeminiResponseShape).error?.message).toContain(
      'Supported values are: 1K.',
    );
  });
});

describe('upstream-sim Gemini list paging', () => {
  it('walks every listed model across pages of one, in list order, without repeats', async () => {
    const sim = await useSim();
    const whole = await allGeminiNames(sim, 50);
    const paged = await allGeminiNames(sim, 1);
    expect(paged.pages).toBe(whole.names.length);
    expect(paged.names).toEqual(whole.names);
  });

  it('omits nextPageToken on the last page only', async () => {
    const sim = await useSim();
    const first = await geminiPage(sim, '?pageSize=3');
    expect(first.body.models).toHaveLength(3);
    expect(first.body.nextPageToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const last = await geminiPage(
      sim,
      `?pageSize=3&pageToken=${encodeURIComponent(first.body.nextPageToken ?? '')}`,
    );
    expect(last.body.models.map((model) => model.name)).toEqual(['models/gemini-nano-banana-2.1']);
    expect(last.body).not.toHaveProperty('nextPageToken');
    const single = await geminiPage(sim, '?pageSize=1000');
    expect(single.body.models).toHaveLength(4);
    expect(single.body).not.toHaveProperty('nextPageToken');
  });

  it('serves the default page size of 50 when pageSize is absent or not a positive integer', async () => {
    const models = Array.from({ length: 60 }, (_, index) => `gemini-3.1-flash-image-v${index}`);
    const sim = await useSim({ models: { gemini: { models } } });
    for (const query of ['', '?pageSize=0', '?pageSize=abc']) {
      const { body } = await geminiPage(sim, query);
      expect(body.models, query).toHaveLength(50);
      expect(body.nextPageToken, query).toBeTruthy();
    }
  });

  it('answers 400 INVALID_ARGUMENT for a page token it never gave', async () => {
    const sim = await useSim();
    const { status, body } = await geminiPage(sim, '?pageToken=bm90LWEtdG9rZW4=');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });
});

describe('upstream-sim model list options', () => {
  it('serves preview ids when a caller lists them explicitly', async () => {
    const sim = await useSim({
      models: { gemini: { models: ['gemini-3.1-flash-image-preview', 'gemini-3-pro-image-preview'] } },
    });
    const ok = await postGemini(sim, generatePath('gemini-3.1-flash-image-preview'), textRequest());
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as GeminiResponseShape).modelVersion).toBe('gemini-3.1-flash-image-preview');
    const ga = await postGemini(sim, generatePath(flashModel), textRequest());
    expect(ga.status).toBe(404);
    const ids = (await openAiList(sim)).map((model) => model.id);
    expect(ids).toContain('gpt-image-2');
  });

  it('shows an OpenAI shutdown date on the list and on retrieve, and null where none is announced', async () => {
    const sim = await useSim({
      models: {
        openai: { models: [{ id: 'gpt-image-2', shutdownDate: '2027-06-01' }, 'gpt-image-2.6-flare'] },
      },
    });
    const list = await openAiList(sim);
    expect(list.slice(0, 2)).toEqual([
      {
        id: 'gpt-image-2',
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'system',
        shutdown_date: '2027-06-01',
      },
      {
        id: 'gpt-image-2.6-flare',
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'system',
        shutdown_date: null,
      },
    ]);
    const retrieved = await fetch(`${sim.url}/v1/models/gpt-image-2`, { headers: bearer });
    expect(await retrieved.json()).toMatchObject({ id: 'gpt-image-2', shutdown_date: '2027-06-01' });
  });

  it('lists Gemini models without any shutdown field, as Google does', async () => {
    const sim = await useSim({
      models: { gemini: { models: [{ id: 'gemini-3.1-flash-image', shutdownDate: '2027-01-15' }] } },
    });
    const { body } = await geminiPage(sim, '');
    expect(Object.keys(body.models[0] ?? {}).some((key) => /shutdown/i.test(key))).toBe(false);
  });

  it('applies list, gone and shutdown-date overrides on top of the spec, in that order', async () => {
    const sim = await useSim({
      modelOverrides: {
        lists: { gemini: ['gemini-3.1-flash-image', 'gemini-3-pro-image-preview'], openai: ['gpt-image-2'] },
        gone: ['gemini-3.1-flash-image'],
        shutdownDates: { 'gpt-image-2': '2027-03-31' },
      },
    });
    expect(sim.models.gemini.map((model) => model.name)).toEqual(['gemini-3-pro-image-preview']);
    expect(sim.models.gone.gemini).toContain('gemini-3.1-flash-image');
    expect(sim.models.gone.gemini).not.toContain('gemini-3-pro-image-preview');
    expect(sim.models.openai).toEqual([
      { id: 'gpt-image-2', created: 1776729600, ownedBy: 'system', shutdownDate: '2027-03-31' },
    ]);
    const gone = await postGemini(sim, generatePath('gemini-3.1-flash-image'), textRequest());
    expect(gone.status).toBe(404);
  });

  it('gives a listed id of a known family that family behaviour, and an unknown id plain image behaviour', async () => {
    const sim = await useSim({
      models: {
        gemini: {
          models: [
            'gemini-3.1-flash-image-0917',
            { id: 'gemini-9-image', family: 'nano-banana-pro' },
            'imagen-9',
          ],
        },
      },
    });
    const tokensFor = async (model: string, imageSize?: string) => {
      const generationConfig = imageSize ? { imageConfig: { imageSize } } : {};
      const response = await postGemini(
        sim,
        generatePath(model),
        textRequest(undefined, { generationConfig }),
      );
      expect(response.status, model).toBe(200);
      const body = (await response.json()) as GeminiResponseShape;
      return body.usageMetadata?.candidatesTokensDetails?.[0]?.tokenCount;
    };
    expect(await tokensFor('gemini-3.1-flash-image-0917', '512')).toBe(747);
    expect(await tokensFor('gemini-9-image', '2K')).toBe(1120);
    const proHasNo512 = await postGemini(
      sim,
      generatePath('gemini-9-image'),
      textRequest(undefined, { generationConfig: { imageConfig: { imageSize: '512' } } }),
    );
    expect(proHasNo512.status).toBe(400);
    expect(await tokensFor('imagen-9')).toBe(1290);
    const { body } = await geminiPage(sim, '');
    expect(body.models.map((model) => [model.name, model.displayName])).toEqual([
      ['models/gemini-3.1-flash-image-0917', 'Nano Banana 2'],
      ['models/gemini-9-image', 'Nano Banana Pro'],
      ['models/imagen-9', 'imagen-9'],
    ]);
  });

  it('switches lists at runtime: an id that goes away answers 404 from the next call on', async () => {
    const sim = await useSim();
    expect((await postGemini(sim, generatePath(flashModel), textRequest())).status).toBe(200);
    sim.setModels({ gemini: { models: ['gemini-3-pro-image'], gone: [flashModel] } });
    expect((await postGemini(sim, generatePath(flashModel), textRequest())).status).toBe(404);
    expect((await geminiPage(sim, '')).body.models.map((model) => model.name)).toEqual([
      'models/gemini-3-pro-image',
    ]);
  });

  it('refuses a list that does not check, naming the problem', async () => {
    await expect(useSim({ models: { gemini: { models: ['a', 'a'] } } })).rejects.toThrow(
      'gemini: a is listed twice',
    );
    await expect(useSim({ models: { gemini: { models: ['x'], gone: ['x'] } } })).rejects.toThrow(
      'gemini: x is both listed and gone',
    );
    await expect(
      useSim({ models: { gemini: { models: [{ id: 'x', family: 'nano-banana-9' }] } } }),
    ).rejects.toThrow('unknown family "nano-banana-9"');
    await expect(
      useSim({ models: { openai: { models: [{ id: 'gpt-image-2', shutdownDate: '2027-02-30' }] } } }),
    ).rejects.toThrow('not a calendar date');
    await expect(
      useSim({ modelOverrides: { shutdownDates: { 'gpt-image-1': '2027-01-01' } } }),
    ).rejects.toThrow('no provider lists gpt-image-1');
    await expect(useSim({ models: { gemini: { models: ['has/slash'] } } })).rejects.toThrow(
      'gemini.models.0',
    );
  });
});
