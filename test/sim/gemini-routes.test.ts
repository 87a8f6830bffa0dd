import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  type GeminiResponseShape,
  editRequest,
  flashModel,
  generatePath,
  partsOf,
  postGemini,
  splitGoogleSse,
  textRequest,
  useSim,
} from './helpers.js';

describe('upstream-sim Gemini routes', () => {
  it('answers generateContent with pretty JSON, thought signatures and the catalog image tokens', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, generatePath(), textRequest());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const text = await response.text();
    expect(text.startsWith('{\n  "candidates": [\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    const body = JSON.parse(text) as GeminiResponseShape;
    const parts = partsOf(body);
    expect(parts[0]).toMatchObject({ text: expect.any(String), thoughtSignature: expect.any(String) });
    expect(parts[1]).toMatchObject({
      inlineData: { mimeType: 'image/png' },
      thoughtSignature: expect.any(String),
    });
    expect(body.modelVersion).toBe(flashModel);
    expect(body.responseId).toMatch(/^[\w-]{22}$/);
    expect(body.candidates?.[0]?.finishReason).toBe('STOP');
    const usage = body.usageMetadata;
    expect(usage?.candidatesTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 1120 }]);
    expect(usage?.thoughtsTokenCount).toBe(200);
    expect(usage?.totalTokenCount).toBe(
      Number(usage?.promptTokenCount) +
        Number(usage?.candidatesTokenCount) +
        Number(usage?.thoughtsTokenCount),
    );
  });

  it('reports image tokens for the requested imageSize and model', async () => {
    const sim = await useSim();
    const cases: [string, string | undefined, number][] = [
      [flashModel, '512', 747],
      [flashModel, '2K', 1680],
      ['gemini-3-pro-image', '2K', 1120],
      ['gemini-3.1-flash-lite-image', undefined, 1120],
    ];
    for (const [model, imageSize, tokens] of cases) {
      const generationConfig = imageSize ? { imageConfig: { imageSize } } : {};
      const response = await postGemini(
        sim,
        generatePath(model),
        textRequest(undefined, { generationConfig }),
      );
      const body = (await response.json()) as GeminiResponseShape;
      expect(body.usageMetadata?.candidatesTokensDetails, `${model} ${imageSize}`).toEqual([
        { modality: 'IMAGE', tokenCount: tokens },
      ]);
    }
  });

  it('gives Gemini 2.5 answers without thought signatures or thinking tokens when a list names it', async () => {
    const sim = await useSim({ models: { gemini: { models: ['gemini-2.5-flash-image'] } } });
    const response = await postGemini(sim, generatePath('gemini-2.5-flash-image'), textRequest());
    expect(response.status).toBe(200);
    const body = (await response.json()) as GeminiResponseShape;
    expect(partsOf(body).some((part) => 'thoughtSignature' in part)).toBe(false);
    expect(body.usageMetadata?.thoughtsTokenCount).toBeUndefined();
    expect(body.usageMetadata?.candidatesTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 1290 }]);
  });

  it('accepts snake_case request fields as Google does', async () => {
    const sim = await useSim();
    const { imageBase64 } = await editRequest();
    const request = {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make it grayscale' },
            { inline_data: { mime_type: 'image/png', data: imageBase64 } },
          ],
        },
      ],
      generation_config: {
        response_modalities: ['IMAGE'],
        image_config: { aspect_ratio: '1:1', image_size: '1K' },
      },
    };
    const response = await postGemini(sim, generatePath(), request);
    const body = (await response.json()) as GeminiResponseShape;
    expect(partsOf(body)).toHaveLength(1);
    expect(partsOf(body)[0]).toHaveProperty('inlineData');
    expect(sim.received[0]?.body).toEqual(request);
  });

  it('records requests exactly, unknown and pass-through fields included', async () => {
    const sim = await useSim();
    const request = {
      contents: [
        { role: 'user', parts: [{ text: drawPromptText }] },
        { role: 'model', parts: [{ text: 'earlier', thoughtSignature: 'c2lnbmF0dXJl' }] },
        { role: 'user', parts: [{ text: drawPromptText }] },
      ],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
      },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      someFutureField: { nested: [1, 'two'] },
    };
    await postGemini(sim, `${generatePath()}?key=query-key`, request, { 'x-custom': 'yes' });
    expect(sim.requestCount).toBe(1);
    const recorded = sim.received[0];
    expect(recorded).toMatchObject({ method: 'POST', path: generatePath(), query: { key: 'query-key' } });
    expect(recorded?.headers['x-custom']).toBe('yes');
    expect(recorded?.body).toEqual(request);
    sim.reset();
    expect(sim.received).toHaveLength(0);
  });

  it('streams SSE with data: prefixes, CRLF terminators, the image whole in one event and no [DONE]', async () => {
    const sim = await useSim();
    const response = await postGemini(
      sim,
      `${generatePath(flashModel, 'streamGenerateContent')}?alt=sse`,
      textRequest(),
    );
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    expect(text).not.toMatch(/(^|[^\r])\n/);
    expect(text.startsWith('data: {"candidates": [{"content": {"parts": [{"text": ')).toBe(true);
    const events = splitGoogleSse(text) as GeminiResponseShape[];
    expect(events).toHaveLength(3);
    expect(partsOf(events[0])[0]).toHaveProperty('text');
    expect(partsOf(events[1])[0]).toHaveProperty('inlineData');
    expect(events[2].candidates?.[0]?.finishReason).toBe('STOP');
    for (const event of events) {
      expect(event.modelVersion).toBe(flashModel);
      expect(event.responseId).toBe(events[0].responseId);
      expect(event.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    }
    expect(events[2].usageMetadata?.candidatesTokensDetails).toEqual([
      { modality: 'IMAGE', tokenCount: 1120 },
    ]);
  });

  it('delivers an 8 MB image as one SSE event that still decodes', async () => {
    const sim = await useSim();
    const target = 8 * 1024 * 1024;
    const response = await postGemini(
      sim,
      `${generatePath(flashModel, 'streamGenerateContent')}?alt=sse`,
      textRequest(undefined, { generationConfig: { responseModalities: ['IMAGE'] } }),
      { 'x-sim-image-bytes': String(target) },
    );
    const events = splitGoogleSse(await response.text()) as GeminiResponseShape[];
    const imageEvents = events.filter((event) => partsOf(event).some((part) => 'inlineData' in part));
    expect(imageEvents).toHaveLength(1);
    const inline = partsOf(imageEvents[0])[0].inlineData as { data: string };
    const png = Buffer.from(inline.data, 'base64');
    expect(png.length).toBeGreaterThanOrEqual(target - 1024);
    expect(png.length).toBeLessThanOrEqual(target + 1024);
    expect((await sharp(png).metadata()).format).toBe('png');
  });

  it('streams the pretty JSON array form without alt=sse', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, generatePath(flashModel, 'streamGenerateContent'), textRequest());
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const text = await response.text();
    expect(text.startsWith('[{\n  "candidates"')).toBe(true);
    expect(text).toContain('\n,\r\n{');
    expect(text.endsWith('\n]')).toBe(true);
    const events = JSON.parse(text) as GeminiResponseShape[];
    expect(events.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('counts tokens for contents and for the nested generateContentRequest form', async () => {
    const sim = await useSim();
    const contents = [{ role: 'user', parts: [{ text: 'abcdefgh' }] }];
    for (const body of [
      { contents },
      { generateContentRequest: { model: `models/${flashModel}`, contents } },
    ]) {
      const response = await postGemini(sim, generatePath(flashModel, 'countTokens'), body);
      expect(await response.json()).toEqual({
        totalTokens: 2,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2 }],
      });
    }
  });

  it('serves the Vertex publisher path with a bearer token', async () => {
    const sim = await useSim();
    const path = `/v1/projects/demo/locations/global/publishers/google/models/${flashModel}:generateContent`;
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.token', 'content-type': 'application/json' },
      body: JSON.stringify(textRequest()),
    });
    const body = (await response.json()) as GeminiResponseShape & { createTime?: string };
    expect(response.status).toBe(200);
    expect(body.createTime).toBeTruthy();
    expect(body.usageMetadata?.trafficType).toBe('ON_DEMAND');
    const anonymous = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(textRequest()),
    });
    expect(anonymous.status).toBe(401);
  });

  it('answers NO_IMAGE when the engine does not understand the instruction', async () => {
    const sim = await useSim();
    const response = await postGemini(sim, generatePath(), textRequest('write me a sonnet about databases'));
    const body = (await response.json()) as GeminiResponseShape;
    expect(body.candidates?.[0]?.finishReason).toBe('NO_IMAGE');
    expect(partsOf(body).some((part) => 'inlineData' in part)).toBe(false);
  });

  it('returns the edited retest image with a blue background', async () => {
    const sim = await useSim();
    const { request } = await editRequest();
    const body = (await (await postGemini(sim, generatePath(), request)).json()) as GeminiResponseShape;
    const image = partsOf(body).find((part) => 'inlineData' in part)?.inlineData as { data: string };
    const { data } = await sharp(Buffer.from(image.data, 'base64'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[2]).toBeGreaterThan(data[0]);
  });
});

const drawPromptText = 'a blue square on a white background';
