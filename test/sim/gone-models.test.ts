import { describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { drawPrompt, flashModel, gptImageModel, postGemini, textRequest, useSim } from './helpers.js';

const goneGemini = 'gemini-3.1-flash-image-preview';
const goneOpenAi = 'gpt-image-1';
const bearer = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

function googleNotFound(method: string) {
  return {
    error: {
      code: 404,
      message: `models/${goneGemini} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      status: 'NOT_FOUND',
    },
  };
}

const vertexResource = `projects/demo/locations/global/publishers/google/models/${goneGemini}`;
const vertexNotFound = {
  error: {
    code: 404,
    message: `Publisher Model \`${vertexResource}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`,
    status: 'NOT_FOUND',
  },
};

function openAiNotFound(model: string) {
  return {
    error: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    },
  };
}

describe('upstream-sim answers a gone Gemini id with Google 404s', () => {
  it('on generateContent and countTokens', async () => {
    const sim = await useSim();
    const generate = await postGemini(sim, `/v1beta/models/${goneGemini}:generateContent`, textRequest());
    expect(generate.status).toBe(404);
    expect(generate.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await generate.json()).toEqual(googleNotFound('generateContent'));
    const count = await postGemini(sim, `/v1beta/models/${goneGemini}:countTokens`, textRequest());
    expect(count.status).toBe(404);
    expect(await count.json()).toEqual(googleNotFound('countTokens'));
  });

  it('on streamGenerateContent, as an SSE error body and array-wrapped without alt=sse', async () => {
    const sim = await useSim();
    const sse = await postGemini(
      sim,
      `/v1beta/models/${goneGemini}:streamGenerateContent?alt=sse`,
      textRequest(),
    );
    expect(sse.status).toBe(404);
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    expect(JSON.parse(await sse.text())).toEqual(googleNotFound('generateContent'));
    const array = await postGemini(sim, `/v1beta/models/${goneGemini}:streamGenerateContent`, textRequest());
    expect(array.status).toBe(404);
    expect(await array.json()).toEqual([googleNotFound('generateContent')]);
  });

  it('on the Vertex publisher paths, in Vertex words', async () => {
    const sim = await useSim();
    for (const method of ['generateContent', 'streamGenerateContent']) {
      const response = await fetch(`${sim.url}/v1/${vertexResource}:${method}`, {
        method: 'POST',
        headers: { authorization: 'Bearer ya29.token', 'content-type': 'application/json' },
        body: JSON.stringify(textRequest()),
      });
      expect(response.status, method).toBe(404);
      const body =
        method === 'generateContent' ? await response.json() : ((await response.json()) as unknown[])[0];
      expect(body, method).toEqual(vertexNotFound);
    }
  });

  it('on GET /v1beta/models/{id}, while a listed id answers its resource', async () => {
    const sim = await useSim();
    const headers = { 'x-goog-api-key': 'k' };
    const gone = await fetch(`${sim.url}/v1beta/models/${goneGemini}`, { headers });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual(googleNotFound('getModel'));
    const listed = await fetch(`${sim.url}/v1beta/models/${flashModel}`, { headers });
    expect(await listed.json()).toMatchObject({ name: `models/${flashModel}`, displayName: 'Nano Banana 2' });
  });

  it('before any fault is drawn, so a gone id never looks overloaded', async () => {
    const sim = await useSim({ faults: ['503'] });
    const response = await postGemini(sim, `/v1beta/models/${goneGemini}:generateContent`, textRequest());
    expect(response.status).toBe(404);
  });
});

describe('upstream-sim answers a gone id on the OpenAI paths with model_not_found', () => {
  it('on /v1/images/generations', async () => {
    const sim = await useSim();
    const response = await fetch(`${sim.url}/v1/images/generations`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ model: goneOpenAi, prompt: drawPrompt }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(openAiNotFound(goneOpenAi));
  });

  it('on /v1/images/edits, multipart and JSON', async () => {
    const sim = await useSim();
    const image = await makeRetestImage();
    const form = new FormData();
    form.append('model', goneOpenAi);
    form.append('prompt', 'change the background to blue');
    form.append('image[]', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'square.png');
    const multipart = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: form,
    });
    expect(multipart.status).toBe(404);
    expect(await multipart.json()).toEqual(openAiNotFound(goneOpenAi));
    const json = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({
        model: 'gpt-image-1.5',
        prompt: 'change the background to blue',
        images: [{ image_url: `data:image/png;base64,${image.toString('base64')}` }],
      }),
    });
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual(openAiNotFound('gpt-image-1.5'));
  });

  it('on /v1/chat/completions for a gone Gemini id, bare or google/-prefixed', async () => {
    const sim = await useSim();
    for (const model of [`google/${goneGemini}`, goneGemini]) {
      const response = await fetch(`${sim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ model, messages: [{ role: 'user', content: drawPrompt }] }),
      });
      expect(response.status, model).toBe(404);
      expect(await response.json()).toEqual(openAiNotFound(model));
    }
  });

  it('on GET /v1/models/{id}', async () => {
    const sim = await useSim();
    const response = await fetch(`${sim.url}/v1/models/${goneOpenAi}`, { headers: bearer });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(openAiNotFound(goneOpenAi));
  });

  it('takes the first listed id when an Images call names no model', async () => {
    const sim = await useSim({ models: { openai: { models: ['gpt-image-2.6-flare', gptImageModel] } } });
    const response = await fetch(`${sim.url}/v1/images/generations`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ prompt: drawPrompt, size: '1024x1024', quality: 'low' }),
    });
    expect(response.status).toBe(200);
  });
});

describe('upstream-sim recorder', () => {
  it('records the model id each request named, listed or gone, from the path or the body', async () => {
    const sim = await useSim();
    await postGemini(sim, `/v1beta/models/${flashModel}:generateContent`, textRequest());
    await postGemini(sim, `/v1beta/models/${goneGemini}:streamGenerateContent?alt=sse`, textRequest());
    await fetch(
      `${sim.url}/v1/projects/p/locations/global/publishers/google/models/${flashModel}:generateContent`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer ya29.token' },
        body: JSON.stringify(textRequest()),
      },
    );
    await fetch(`${sim.url}/v1/images/generations`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ model: goneOpenAi, prompt: drawPrompt }),
    });
    const form = new FormData();
    form.append('model', gptImageModel);
    form.append('prompt', drawPrompt);
    await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: form,
    });
    await fetch(`${sim.url}/v1/models/google/${flashModel}`, { headers: bearer });
    await fetch(`${sim.url}/v1beta/models`, { headers: { 'x-goog-api-key': 'k' } });
    expect(sim.received.map((request) => request.model)).toEqual([
      flashModel,
      goneGemini,
      flashModel,
      goneOpenAi,
      gptImageModel,
      `google/${flashModel}`,
      undefined,
    ]);
    expect(sim.received.filter((request) => request.model === flashModel)).toHaveLength(2);
  });

  it('shows that a request for a gone id reached the simulator and was refused', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, `/v1beta/models/${goneGemini}:generateContent`, textRequest());
    expect(response.status).toBe(404);
    expect(sim.received).toHaveLength(1);
    expect(sim.received[0]?.model).toBe(goneGemini);
  });
});
