import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { isBlue, isRed, pixelAt } from '../helpers/images.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Gemini door with the offline engine', () => {
  it('edits the retest template: background turns blue and the square stays', async () => {
    const input = await makeRetestImage();
    const response = await post('/v1beta/models/local-image-edit:generateContent', {
      contents: [
        {
          role: 'user',
          parts: [
            { text: RETEST_INSTRUCTION },
            { inlineData: { mimeType: 'image/png', data: input.toString('base64') } },
          ],
        },
      ],
      generationConfig: { responseModalities: ['IMAGE'] },
    });
    expect(response.status).toBe(200);
    // The gateway's own request ids are UUIDv7: time-ordered, so the indexes keyed by them append.
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
    const body = await response.json();
    const image = body.candidates[0].content.parts.find((part: { inlineData?: unknown }) => part.inlineData);
    expect(image.inlineData.mimeType).toBe('image/png');
    const png = Buffer.from(image.inlineData.data, 'base64');
    const { width, height } = await sharp(png).metadata();
    expect(isBlue(await pixelAt(png, 2, 2))).toBe(true);
    expect(isBlue(await pixelAt(png, width! - 3, height! - 3))).toBe(true);
    expect(isRed(await pixelAt(png, Math.floor(width! / 2), Math.floor(height! / 2)))).toBe(true);
    expect(body.usageMetadata.totalTokenCount).toBeGreaterThan(0);
  });

  it('accepts snake_case fields as Google does', async () => {
    const response = await post('/v1beta/models/local-image-edit:generateContent', {
      contents: [{ parts: [{ text: 'a blue square on a yellow background' }] }],
      generation_config: { response_modalities: ['IMAGE'], image_config: { aspect_ratio: '16:9' } },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    const png = Buffer.from(body.candidates[0].content.parts.at(-1).inlineData.data, 'base64');
    const { width, height } = await sharp(png).metadata();
    expect(width! / height!).toBeCloseTo(16 / 9, 1);
  });

  it('answers NO_IMAGE with an explanation for an instruction it does not understand', async () => {
    const response = await post('/v1beta/models/local-image-edit:generateContent', {
      contents: [{ parts: [{ text: 'write me a sonnet about autumn' }] }],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.candidates[0].finishReason).toBe('NO_IMAGE');
    expect(body.candidates[0].content.parts[0].text).toMatch(/background|grayscale|understand/i);
  });

  it('renders an unknown model as 404 NOT_FOUND naming it and close ids', async () => {
    const response = await post('/v1beta/models/local-image-edt:generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
    });
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error.status).toBe('NOT_FOUND');
    expect(body.error.message).toContain('models/local-image-edt');
    expect(body.error.message).toContain('local-image-edit');
  });

  it('reports bad JSON as 400 INVALID_ARGUMENT with the position', async () => {
    const response = await post('/v1beta/models/local-image-edit:generateContent', '{"contents": [}');
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(/position 14/);
  });

  it('refuses a missing key with 403 and a wrong key with 401, in Google words', async () => {
    const missing = await fetch(`${gateway.url}/v1beta/models`);
    expect(missing.status).toBe(403);
    expect((await missing.json()).error.message).toContain('unregistered callers');
    const wrong = await fetch(`${gateway.url}/v1beta/models?key=nope`);
    expect(wrong.status).toBe(401);
    const body = await wrong.json();
    expect(body.error.message).toBe('API key not valid. Please pass a valid API key.');
    expect(body.error.details[0].reason).toBe('API_KEY_INVALID');
  });

  it('accepts the key as ?key=, x-goog-api-key and Bearer', async () => {
    const variants: Array<{ url: string; headers: Record<string, string> }> = [
      { url: `/v1beta/models?key=${gateway.key}`, headers: {} },
      { url: '/v1beta/models', headers: { 'x-goog-api-key': gateway.key } },
      { url: '/v1beta/models', headers: { authorization: `Bearer ${gateway.key}` } },
    ];
    for (const init of variants) {
      const response = await fetch(`${gateway.url}${init.url}`, { headers: init.headers });
      expect(response.status).toBe(200);
    }
  });

  it('gets one model by id or alias and 404s an unknown one', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/local-image-edit?key=${gateway.key}`);
    expect((await response.json()).name).toBe('models/local-image-edit');
    const missing = await fetch(`${gateway.url}/v1beta/models/nope?key=${gateway.key}`);
    expect(missing.status).toBe(404);
  });

  it('counts tokens for text and images', async () => {
    const input = await makeRetestImage();
    const response = await post('/v1beta/models/local-image-edit:countTokens', {
      contents: [
        {
          parts: [
            { text: 'abcdefgh' },
            { inlineData: { mimeType: 'image/png', data: input.toString('base64') } },
          ],
        },
      ],
    });
    const body = await response.json();
    expect(body.promptTokensDetails).toEqual([
      { modality: 'TEXT', tokenCount: 2 },
      { modality: 'IMAGE', tokenCount: 258 },
    ]);
    expect(body.totalTokens).toBe(260);
  });

  it('rejects malformed base64 image data naming the field', async () => {
    const response = await post('/v1beta/models/local-image-edit:generateContent', {
      contents: [
        {
          parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: '***not base64***' } }],
        },
      ],
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('contents[0].parts[1].inline_data.data');
  });

  it('serves health, readiness and Prometheus metrics that count requests', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /imagegate_requests_total\{door="gemini",model="local-image-edit",status="200"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /imagegate_upstream_attempts_total\{channel="local",model="local-image-edit",outcome="ok"\}/,
    );
  });

  it('answers with its own request id even when the caller sends one', async () => {
    const response = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
  });
});
