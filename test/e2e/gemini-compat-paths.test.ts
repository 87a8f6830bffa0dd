import { GoogleGenerativeAI } from '@google/generative-ai';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { isPngBase64 } from '../helpers/images.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let gateway: TestGateway;
let inputImage: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  inputImage = (await makeRetestImage()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key, ...headers },
    body: JSON.stringify(body),
  });
}

const contents = [{ role: 'user', parts: [{ text: 'a blue square on a yellow background' }] }];

describe('countTokens with the legacy generateContentRequest body', () => {
  it('answers the legacy @google/generative-ai SDK with a token count', async () => {
    const model = new GoogleGenerativeAI(gateway.key).getGenerativeModel(
      { model: 'local-image-edit' },
      { baseUrl: gateway.url },
    );
    const result = await model.countTokens('a blue square on a yellow background');
    expect(result.totalTokens).toBeGreaterThan(0);
  });

  it('counts the same tokens for the wrapped and the bare body', async () => {
    const bare = await (await post('/v1beta/models/local-image-edit:countTokens', { contents })).json();
    const wrapped = await post('/v1beta/models/local-image-edit:countTokens', {
      generateContentRequest: { model: 'models/local-image-edit', contents },
    });
    expect(wrapped.status).toBe(200);
    expect((await wrapped.json()).totalTokens).toBe(bare.totalTokens);
  });

  it('refuses a body with both contents and generateContentRequest, naming the field', async () => {
    const response = await post('/v1beta/models/local-image-edit:countTokens', {
      contents,
      generateContentRequest: { contents },
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(/generateContentRequest/);
  });

  it('refuses a body with neither, naming contents', async () => {
    const response = await post('/v1beta/models/local-image-edit:countTokens', {});
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/contents/);
  });

  it('refuses a generateContentRequest.model that is not the model in the path', async () => {
    const response = await post('/v1beta/models/local-image-edit:countTokens', {
      generateContentRequest: { model: 'models/gemini-3.1-flash-image', contents },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/generateContentRequest\.model/);
  });
});

describe('the Gemini v1 API version', () => {
  function sdk(): GoogleGenAI {
    return new GoogleGenAI({ apiKey: gateway.key, httpOptions: { baseUrl: gateway.url, apiVersion: 'v1' } });
  }

  it('serves generateContent, countTokens and models.get to @google/genai', async () => {
    const response = await sdk().models.generateContent({
      model: 'local-image-edit',
      contents: [
        {
          role: 'user',
          parts: [{ text: RETEST_INSTRUCTION }, { inlineData: { mimeType: 'image/png', data: inputImage } }],
        },
      ],
      config: { responseModalities: ['IMAGE'] },
    });
    const image = response.candidates?.[0]?.content?.parts?.find((part) => part.inlineData);
    expect(isPngBase64(image?.inlineData?.data ?? '')).toBe(true);
    const count = await sdk().models.countTokens({ model: 'local-image-edit', contents: 'a red square' });
    expect(count.totalTokens).toBeGreaterThan(0);
    const model = await sdk().models.get({ model: 'local-image-edit' });
    expect(model.name).toBe('models/local-image-edit');
  });

  it('streams in both the SSE and the JSON array forms', async () => {
    const sse = await post('/v1/models/local-image-edit:streamGenerateContent?alt=sse', { contents });
    expect(sse.status).toBe(200);
    expect(await sse.text()).toMatch(/^data: \{/);
    const array = await post('/v1/models/local-image-edit:streamGenerateContent', { contents });
    expect(array.status).toBe(200);
    expect(Array.isArray(JSON.parse(await array.text()))).toBe(true);
  });

  it('lists models in Gemini shape to a Google key and in OpenAI shape to a Bearer key', async () => {
    const google = await fetch(`${gateway.url}/v1/models?key=${gateway.key}`);
    expect(
      (await google.json()).models.some(
        (model: { name: string }) => model.name === 'models/local-image-edit',
      ),
    ).toBe(true);
    const headerKey = await fetch(`${gateway.url}/v1/models/local-image-edit`, {
      headers: { 'x-goog-api-key': gateway.key },
    });
    expect((await headerKey.json()).name).toBe('models/local-image-edit');
    const openai = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const list = await openai.models.list();
    expect(list.data.some((model) => model.id === 'local-image-edit')).toBe(true);
    expect((await openai.models.retrieve('local-image-edit')).object).toBe('model');
  });

  it('answers errors on the v1 Gemini paths in Google envelope', async () => {
    const unknown = await post('/v1/models/local-image-edt:generateContent', { contents });
    expect(unknown.status).toBe(404);
    const body = await unknown.json();
    expect(body.error.status).toBe('NOT_FOUND');
    expect(body.error.message).toMatch(/API version v1,/);
    // A bad key answers exactly as under v1beta.
    const badKey = { 'x-goog-api-key': 'nope' };
    const v1 = await post('/v1/models/local-image-edit:generateContent', { contents }, badKey);
    const v1beta = await post('/v1beta/models/local-image-edit:generateContent', { contents }, badKey);
    expect(v1.status).toBe(v1beta.status);
    const [v1Body, v1betaBody] = [await v1.json(), await v1beta.json()];
    expect(v1Body.error.status).toMatch(/^[A-Z_]+$/);
    expect(v1Body.error).toEqual(v1betaBody.error);
  });
});

describe("Google's OpenAI-compatible base path /v1beta/openai", () => {
  function openai(): OpenAI {
    return new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1beta/openai`, maxRetries: 0 });
  }

  it('serves images.generate, chat completions and the model list to the openai SDK', async () => {
    const images = await openai().images.generate({
      model: 'local-image-edit',
      prompt: 'a red circle on a white background',
    });
    expect(isPngBase64(images.data?.[0].b64_json ?? '')).toBe(true);
    const chat = await openai().chat.completions.create({
      model: 'local-image-edit',
      messages: [{ role: 'user', content: 'a red circle on a white background' }],
    });
    expect(chat.object).toBe('chat.completion');
    const list = await openai().models.list();
    expect(list.data.some((model) => model.id === 'local-image-edit')).toBe(true);
    expect((await openai().models.retrieve('local-image-edit')).id).toBe('local-image-edit');
  });

  it('answers a missing Bearer key in OpenAI envelope', async () => {
    const response = await fetch(`${gateway.url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-image-edit', messages: [] }),
    });
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.error.type).toBeDefined();
    expect(body.error.status).toBeUndefined();
  });
});
