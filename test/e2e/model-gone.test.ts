// Two channels serve one model, each through its own upstream-sim. When the preferred channel's
// upstream starts answering 404 NOT_FOUND for the model (the sim's gone list), a live request fails
// over and still gets its image, the route is marked gone (routing skips it from then on, on every
// door) and counts against its circuit; a pinned retest that passes brings it back. With every
// route gone, the client hears that about the model, in its door's envelope, without the
// upstream's words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { listGoneRoutes } from '../../src/store/route-presence.js';
import { editDoors, editThrough } from '../helpers/edit-doors.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { geminiTestModelYaml } from '../helpers/test-models.js';

const model = 'test-flash';
const upstreamModel = 'gemini-3.1-flash-image';
let preferred: UpstreamSim;
let fallback: UpstreamSim;
let gateway: TestGateway;
let input: Buffer;

function channelYaml(name: string, upstream: UpstreamSim, priority: number): string {
  return `  - name: ${name}
    provider: gemini-compatible
    baseUrl: ${upstream.url}
    apiKeys: ["key-${name}-0123456789"]
    models: [${model}]
    modelMap: { ${model}: ${upstreamModel} }
    priority: ${priority}
`;
}

beforeAll(async () => {
  preferred = await startUpstreamSim();
  fallback = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `channels:
${channelYaml('preferred', preferred, 2)}${channelYaml('fallback', fallback, 1)}models:
${geminiTestModelYaml(model)}routing:
  maxAttempts: 3
  circuit: { failureThreshold: 5, openMs: 60000 }
retest:
  enabled: false
  verdictReloadSeconds: 1
`,
  });
  input = await makeRetestImage();
}, 60_000);
afterAll(async () => {
  await gateway.close();
  await Promise.all([preferred.close(), fallback.close()]);
});

const presence = () => gateway.running.gateway.routePresence;
/** Model calls an upstream received (a gone model's included: the sim answers those 404). */
const modelCalls = (sim: UpstreamSim) => sim.received.filter((request) => request.method === 'POST').length;
const loseModel = (sim: UpstreamSim) => sim.setModels({}, { gone: [upstreamModel] });

describe('a model its upstream no longer serves', () => {
  it('goes to the preferred channel while its upstream serves the model', async () => {
    const answer = await editThrough(gateway, 'gemini', model, input, 'gone-before');
    expect(answer.status).toBe(200);
    expect(answer.channel).toBe('preferred');
  });

  it('fails a live 404 NOT_FOUND over to the next route, which answers', async () => {
    loseModel(preferred);
    const callsBefore = modelCalls(preferred);
    const answer = await editThrough(gateway, 'gemini', model, input, 'gone-live');
    expect(answer.status).toBe(200);
    expect(answer.channel).toBe('fallback');
    expect(answer.image?.length).toBeGreaterThan(0);
    expect(modelCalls(preferred) - callsBefore).toBe(1);
  });

  it('marks the route gone, in memory at once and in the store, and counts it against its circuit', async () => {
    expect(presence().isGone('preferred', model)).toBe(true);
    expect(presence().isGone('fallback', model)).toBe(false);
    const [route] = presence().goneRoutes();
    expect(route).toMatchObject({
      channel: 'preferred',
      modelId: model,
      upstreamId: upstreamModel,
      reason: 'not_found',
      source: 'live',
    });
    expect(route.detail).not.toMatch(/ListModels|API version/);
    await expect.poll(async () => (await listGoneRoutes(gateway.running.gateway.database.db)).length).toBe(1);
    const circuit = gateway.running.gateway.circuits
      .snapshot()
      .find((entry) => entry.channel === 'preferred' && entry.model === model);
    expect(circuit?.consecutiveFailures).toBe(1);
    expect(circuit?.lastErrorClass).toBe('model_gone');
    const listing = await fetch(`${gateway.url}/admin/channels`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    const { channels } = (await listing.json()) as {
      channels: Array<{ name: string; models: Array<{ model: string; routing: string }> }>;
    };
    const routingOf = (name: string) => channels.find((channel) => channel.name === name)?.models[0].routing;
    expect(routingOf('preferred')).toMatch(/^gone upstream: NOT_FOUND \(live, since \d{4}-/);
    expect(routingOf('fallback')).toBe('serving');
  });

  it('skips the gone route on every door from then on', async () => {
    const callsBefore = modelCalls(preferred);
    for (const door of editDoors) {
      const answer = await editThrough(gateway, door, model, input, `gone-skip-${door}`);
      expect(answer.status).toBe(200);
      expect(answer.channel).toBe('fallback');
    }
    expect(modelCalls(preferred)).toBe(callsBefore);
  });

  it('keeps the mark while a pinned retest still gets NOT_FOUND', async () => {
    const service = gateway.running.gateway.retests;
    if (!service) throw new Error('no retest service');
    const [result] = await service.run({ model, channel: 'preferred', doors: ['gemini'] });
    expect(result.outcome).toBe('error:model_gone');
    expect(presence().isGone('preferred', model)).toBe(true);
  }, 60_000);

  it('clears the mark when a pinned retest passes, and the route takes traffic again', async () => {
    preferred.setModels({});
    const service = gateway.running.gateway.retests;
    if (!service) throw new Error('no retest service');
    const [result] = await service.run({ model, channel: 'preferred', doors: ['gemini'] });
    expect(result.outcome).toBe('pass');
    expect(presence().isGone('preferred', model)).toBe(false);
    expect(await listGoneRoutes(gateway.running.gateway.database.db)).toEqual([]);
    const answer = await editThrough(gateway, 'gemini', model, input, 'gone-recovered');
    expect(answer.channel).toBe('preferred');
  }, 60_000);

  it('tells the client the model is gone, in its door envelope, once every route is', async () => {
    loseModel(preferred);
    loseModel(fallback);
    const callsBefore = modelCalls(preferred) + modelCalls(fallback);
    // The first request meets both 404s; the next is refused before any upstream call.
    for (const requestId of ['all-gone-first', 'all-gone-again']) {
      const gemini = await editThrough(gateway, 'gemini', model, input, requestId);
      expect(gemini.status).toBe(404);
      const body = JSON.parse(gemini.text);
      expect(body.error.status).toBe('NOT_FOUND');
      expect(body.error.message).toContain(`Model "${model}" is not available`);
      expect(body.error.message).toContain('no longer serve it');
      expect(gemini.text).not.toMatch(/ListModels|API version|key-preferred/);
    }
    expect(modelCalls(preferred) + modelCalls(fallback) - callsBefore).toBe(2);
    const openai = await editThrough(gateway, 'openai-images', model, input, 'all-gone-openai');
    expect(openai.status).toBe(404);
    const body = JSON.parse(openai.text);
    expect(body.error.code).toBe('model_gone');
    expect(body.error.param).toBe('model');
    expect(body.error.message).toContain(`Model "${model}" is not available`);
  });

  it('leaves a model whose every route is gone out of both model lists', async () => {
    const headers = { authorization: `Bearer ${gateway.key}` };
    const gemini = (await (await fetch(`${gateway.url}/v1beta/models`, { headers })).json()) as {
      models: Array<{ name: string }>;
    };
    const openai = (await (await fetch(`${gateway.url}/v1/models`, { headers })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(gemini.models.map((entry) => entry.name)).not.toContain(`models/${model}`);
    expect(openai.data.map((entry) => entry.id)).not.toContain(model);
    expect(openai.data.map((entry) => entry.id)).toContain('local-image-edit');
  });
});
