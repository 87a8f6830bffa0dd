import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { generateImage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog } from '../../src/store/index.js';
import { type AnsweringServer, answerJson, startAnsweringServer } from '../helpers/answering-server.js';
import { isRed, pixelAt } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let blocking: AnsweringServer;
let gateway: TestGateway;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  // An upstream whose safety system stops every image: the answer Imagen clients know as filtered.
  blocking = await startAnsweringServer((_request, response) =>
    answerJson(response, 200, {
      candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'IMAGE_SAFETY', index: 0 }],
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
      modelVersion: 'gemini-3-pro-image',
    }),
  );
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image'])}${simChannelYaml('blocking', blocking.url, ['gemini-3-pro-image'])}`,
  });
});
afterAll(async () => {
  await gateway.close();
  await blocking.close();
  await sim.close();
});

async function predict(model: string, body: unknown, version = 'v1beta') {
  return fetch(`${gateway.url}/${version}/models/${model}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
    body: JSON.stringify(body),
  });
}

const prompt = 'a red circle on a white background';

describe(':predict through the AI SDK Google provider', () => {
  for (const model of ['nano-banana-2', 'local-image-edit']) {
    it(`generateImage draws a red circle with ${model}`, async () => {
      const google = createGoogleGenerativeAI({ baseURL: `${gateway.url}/v1beta`, apiKey: gateway.key });
      const { image } = await generateImage({ model: google.image(model), prompt });
      const png = Buffer.from(image.uint8Array);
      expect(image.mediaType).toBe('image/png');
      const { default: sharp } = await import('sharp');
      const { width, height } = await sharp(png).metadata();
      expect(isRed(await pixelAt(png, Math.floor(width! / 2), Math.floor(height! / 2)))).toBe(true);
      const corner = await pixelAt(png, 2, 2);
      expect(corner.r > 200 && corner.g > 200 && corner.b > 200).toBe(true);
    });
  }
});

describe(':predict in Imagen shape', () => {
  it('makes sampleCount parallel calls, each logged and billed alone', async () => {
    const response = await predict('gemini-3.1-flash-image', {
      instances: [{ prompt }],
      parameters: { sampleCount: 2, aspectRatio: '16:9' },
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const body = await response.json();
    expect(body.predictions).toHaveLength(2);
    for (const prediction of body.predictions) {
      expect(prediction.mimeType).toBe('image/png');
      expect(Buffer.from(prediction.bytesBase64Encoded, 'base64').subarray(1, 4).toString()).toBe('PNG');
    }
    await gateway.settled();
    const rows = await queryRequestLog(gateway.running.gateway.database.db, { limit: 50 });
    const mine = rows.filter((row) => row.id.startsWith(`${requestId}-`));
    expect(mine.map((row) => row.door)).toEqual(['gemini-predict', 'gemini-predict']);
    expect(mine.every((row) => row.imagesOut === 1 && row.chargedMicros > 0)).toBe(true);
  });

  for (const [imagen, served] of [
    ['imagen-4.0-generate-001', 'gemini-3.1-flash-image'],
    ['imagen-4.0-fast-generate-001', 'gemini-3.1-flash-image'],
    ['imagen-4.0-ultra-generate-001', 'gemini-3-pro-image'],
    ['imagen-3.0-generate-002', 'gemini-3.1-flash-image'],
  ]) {
    it(`serves the shut-down ${imagen} by ${served}, also under v1`, async () => {
      const response = await predict(imagen, { instances: [{ prompt }] }, 'v1');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-imagegate-model')).toBe(served);
      expect(response.headers.get('link')).toContain('rel="successor-version"');
      expect((await response.json()).predictions).toHaveLength(1);
    });
  }

  it('answers JPEG when outputOptions asks for it', async () => {
    const response = await predict('local-image-edit', {
      instances: [{ prompt }],
      parameters: { outputOptions: { mimeType: 'image/jpeg', compressionQuality: 80 } },
    });
    const [prediction] = (await response.json()).predictions;
    expect(prediction.mimeType).toBe('image/jpeg');
    expect(Buffer.from(prediction.bytesBase64Encoded, 'base64').subarray(0, 2)).toEqual(
      Buffer.from([0xff, 0xd8]),
    );
  });

  it('reports a safety block as raiFilteredReason', async () => {
    const response = await predict('gemini-3-pro-image', { instances: [{ prompt }] });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.predictions).toHaveLength(1);
    expect(body.predictions[0].raiFilteredReason).toMatch(/IMAGE_SAFETY/);
  });

  for (const [parameters, field] of [
    [{ negativePrompt: 'blue' }, 'parameters.negativePrompt'],
    [{ sampleCount: 5 }, 'parameters.sampleCount'],
    [{ outputOptions: { mimeType: 'image/gif' } }, 'parameters.outputOptions.mimeType'],
    [{ personGeneration: 'everyone' }, 'parameters.personGeneration'],
    [{ aspectRatio: '7:3' }, 'parameters.aspectRatio'],
    [{ sampleImageSize: '8K' }, 'parameters.sampleImageSize'],
  ] as const) {
    it(`refuses ${JSON.stringify(parameters)} with a 400 naming ${field}`, async () => {
      const response = await predict('gemini-3.1-flash-image', { instances: [{ prompt }], parameters });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(JSON.stringify(body.error)).toContain(field);
    });
  }
});
