import { describe, expect, it } from 'vitest';
import {
  type GeminiResponseShape,
  flashModel,
  generatePath,
  postGemini,
  textRequest,
  useSim,
} from './helpers.js';

async function errorOf(response: Response): Promise<NonNullable<GeminiResponseShape['error']>> {
  const body = (await response.json()) as GeminiResponseShape;
  if (!body.error) throw new Error('expected an error envelope');
  return body.error;
}

describe('upstream-sim Gemini errors', () => {
  it('rejects a request without a key with 403 PERMISSION_DENIED', async () => {
    const sim = await useSim({ apiKey: 'right' });
    const response = await fetch(`${sim.url}${generatePath()}`, {
      method: 'POST',
      body: JSON.stringify(textRequest()),
    });
    expect(response.status).toBe(403);
    const error = await errorOf(response);
    expect(error.status).toBe('PERMISSION_DENIED');
    expect(error.message).toMatch(/^Method doesn't allow unregistered callers/);
  });

  it('rejects a wrong key with 400 API_KEY_INVALID details', async () => {
    const sim = await useSim({ apiKey: 'right' });
    const response = await postGemini(sim, generatePath(), textRequest(), { 'x-goog-api-key': 'wrong' });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(error.message).toBe('API key not valid. Please pass a valid API key.');
    expect(error.details?.[0]).toMatchObject({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
    });
  });

  it('accepts the key from x-goog-api-key, ?key= and Authorization: Bearer', async () => {
    const sim = await useSim({ apiKey: 'right' });
    const viaHeader = await postGemini(sim, generatePath(), textRequest(), { 'x-goog-api-key': 'right' });
    const viaQuery = await fetch(`${sim.url}${generatePath()}?key=right`, {
      method: 'POST',
      body: JSON.stringify(textRequest()),
    });
    const viaBearer = await fetch(`${sim.url}${generatePath()}`, {
      method: 'POST',
      headers: { authorization: 'Bearer right' },
      body: JSON.stringify(textRequest()),
    });
    expect([viaHeader.status, viaQuery.status, viaBearer.status]).toEqual([200, 200, 200]);
  });

  it('answers an unknown model with 404 NOT_FOUND in Google words', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, generatePath('gemini-9-imaginary'), textRequest());
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error.status).toBe('NOT_FOUND');
    expect(error.message).toBe(
      'models/gemini-9-imaginary is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    );
  });

  it('answers bad JSON with 400 Invalid JSON payload received', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, generatePath(), '{"contents": [');
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/^Invalid JSON payload received\. /);
    expect(sim.received[0]?.body).toBe('{"contents": [');
  });

  it('refuses candidateCount above 1 with the model named', async () => {
    const sim = await useSim();
    const request = textRequest(undefined, { generationConfig: { candidateCount: 2 } });
    const response = await postGemini(sim, generatePath(), request);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toBe(
      `Multiple candidates is not enabled for models/${flashModel}`,
    );
  });

  it('refuses a lowercase imageSize and an unknown aspect ratio', async () => {
    const sim = await useSim();
    for (const imageConfig of [{ imageSize: '2k' }, { aspectRatio: '7:3' }]) {
      const response = await postGemini(
        sim,
        generatePath(),
        textRequest(undefined, { generationConfig: { imageConfig } }),
      );
      expect(response.status).toBe(400);
      expect((await errorOf(response)).status).toBe('INVALID_ARGUMENT');
    }
  });

  it('sends pre-stream errors with the event-stream type and array-wraps them without alt=sse', async () => {
    const sim = await useSim({ faults: ['503'] });
    const sse = await postGemini(
      sim,
      `${generatePath(flashModel, 'streamGenerateContent')}?alt=sse`,
      textRequest(),
    );
    expect(sse.status).toBe(503);
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    expect((await sse.text()).startsWith('{\n  "error": {\n    "code": 503,')).toBe(true);
    const array = await postGemini(sim, generatePath(flashModel, 'streamGenerateContent'), textRequest());
    const body = (await array.json()) as { error: { status: string } }[];
    expect(body[0]?.error.status).toBe('UNAVAILABLE');
  });
});
