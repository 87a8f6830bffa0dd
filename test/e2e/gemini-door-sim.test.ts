import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog } from '../../src/store/index.js';
import { isPngBase64 } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
let inputImage: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image', 'gemini-3-pro-image'])}`,
  });
  inputImage = (await makeRetestImage()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

/** The image bytes of an SSE answer (the one event that carries inlineData). */
function imageOf(sse: string): Buffer {
  for (const frame of sse.split('\r\n\r\n')) {
    if (!frame.startsWith('data: ')) continue;
    const event = JSON.parse(frame.slice(6));
    const part = event.candidates?.[0]?.content?.parts?.find(
      (candidate: { inlineData?: unknown }) => candidate.inlineData,
    );
    if (part) return Buffer.from(part.inlineData.data, 'base64');
  }
  throw new Error('no image event');
}

function sdk(): GoogleGenAI {
  return new GoogleGenAI({ apiKey: gateway.key, httpOptions: { baseUrl: gateway.url } });
}

function editRequest(model: string) {
  return {
    model,
    contents: [
      {
        role: 'user',
        parts: [{ text: RETEST_INSTRUCTION }, { inlineData: { mimeType: 'image/png', data: inputImage } }],
      },
    ],
    config: { responseModalities: ['IMAGE'] },
  };
}

describe('Gemini door through @google/genai', () => {
  for (const model of ['local-image-edit', 'gemini-3.1-flash-image']) {
    it(`generateContent returns an image for ${model}`, async () => {
      const response = await sdk().models.generateContent(editRequest(model));
      const image = response.candidates?.[0]?.content?.parts?.find((part) => part.inlineData);
      expect(image?.inlineData?.mimeType).toBe('image/png');
      expect(isPngBase64(image?.inlineData?.data)).toBe(true);
      expect(response.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    });

    it(`generateContentStream delivers the image for ${model}`, async () => {
      const stream = await sdk().models.generateContentStream(editRequest(model));
      let images = 0;
      let finishReason: string | undefined;
      for await (const chunk of stream) {
        for (const part of chunk.candidates?.[0]?.content?.parts ?? [])
          if (part.inlineData?.data) images += 1;
        finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
      }
      expect(images).toBe(1);
      expect(finishReason).toBe('STOP');
    });
  }

  it('models.list pages through every routed model', async () => {
    const names: string[] = [];
    const pager = await sdk().models.list({ config: { pageSize: 1 } });
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toEqual(
      expect.arrayContaining([
        'models/local-image-edit',
        'models/gemini-3.1-flash-image',
        'models/gemini-3-pro-image',
      ]),
    );
    expect(names).not.toContain('models/gpt-image-2');
  });
});

describe('native pass-through to a Gemini upstream', () => {
  it('keeps imageConfig, thoughtSignature, thought parts and safetySettings exactly', async () => {
    sim.reset();
    const body = {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'make the background blue' },
            { inlineData: { mimeType: 'image/png', data: inputImage } },
          ],
        },
        {
          role: 'model',
          parts: [
            { text: 'thinking…', thought: true },
            { text: 'Here you go.', thoughtSignature: 'c2lnQQ==' },
            { inlineData: { mimeType: 'image/png', data: inputImage }, thoughtSignature: 'c2lnQg==' },
          ],
        },
        {
          role: 'user',
          parts: [
            { text: 'change the background to blue' },
            { inlineData: { mimeType: 'image/png', data: inputImage } },
          ],
        },
      ],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
      },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      someFutureField: { keep: ['me'] },
    };
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const received = sim.received.find((request) => request.path.endsWith(':generateContent'));
    expect(received?.body).toEqual(body);
    expect(received?.headers['x-goog-api-key']).toBe('sim-key-google-sim');
    const answer = await response.json();
    expect(answer.modelVersion).toBe('gemini-3.1-flash-image');
    expect(typeof answer.responseId).toBe('string');
    expect(answer.usageMetadata.candidatesTokensDetails).toEqual(
      expect.arrayContaining([{ modality: 'IMAGE', tokenCount: 1680 }]),
    );
  });

  it('relays the upstream bytes unchanged when nothing needs rewriting', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify(editRequest('x').contents ? { contents: editRequest('x').contents } : {}),
    });
    const text = await response.text();
    expect(text.startsWith('{\n  "candidates"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('streams an 8 MB image event intact through ?alt=sse', async () => {
    sim.setImageBytes(8 * 1024 * 1024);
    try {
      const direct = await fetch(
        `${sim.url}/v1beta/models/gemini-3.1-flash-image:streamGenerateContent?alt=sse`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': 'direct' },
          body: JSON.stringify({
            contents: editRequest('x').contents,
            generationConfig: { responseModalities: ['IMAGE'] },
          }),
        },
      );
      const upstreamImage = imageOf(await direct.text());
      const response = await fetch(
        `${gateway.url}/v1beta/models/gemini-3.1-flash-image:streamGenerateContent?alt=sse`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
          body: JSON.stringify({
            contents: editRequest('x').contents,
            generationConfig: { responseModalities: ['IMAGE'] },
          }),
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const text = await response.text();
      const image = imageOf(text);
      expect(image.length).toBeGreaterThanOrEqual(8 * 1024 * 1024);
      // Same bytes as the upstream produces for the same request (deterministic engine).
      expect(image.length).toBe(upstreamImage.length);
      expect(image.subarray(0, 64).equals(upstreamImage.subarray(0, 64))).toBe(true);
      expect(image.subarray(-64).equals(upstreamImage.subarray(-64))).toBe(true);
    } finally {
      sim.setImageBytes(undefined);
    }
  });

  it('answers the JSON-array stream form without alt=sse', async () => {
    const response = await fetch(
      `${gateway.url}/v1beta/models/gemini-3.1-flash-image:streamGenerateContent`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify({
          contents: editRequest('x').contents,
          generationConfig: { responseModalities: ['IMAGE'] },
        }),
      },
    );
    const events = JSON.parse(await response.text());
    expect(Array.isArray(events)).toBe(true);
    expect(events.at(-1).candidates[0].finishReason).toBe('STOP');
  });

  for (const fault of ['markdown-image', 'url-image']) {
    it(`turns a ${fault} answer into inlineData`, async () => {
      sim.setFaults([fault]);
      try {
        const response = await sdk().models.generateContent(editRequest('gemini-3.1-flash-image'));
        const parts = response.candidates?.[0]?.content?.parts ?? [];
        const image = parts.find((part) => part.inlineData);
        expect(image?.inlineData?.mimeType).toBe('image/png');
        expect(isPngBase64(image?.inlineData?.data)).toBe(true);
        expect(
          parts.some((part) => part.text?.includes('data:image') || part.text?.includes('/sim-files/')),
        ).toBe(false);
      } finally {
        sim.setFaults([]);
      }
    });
  }

  it('writes a request log row with the attempts when the upstream fails', async () => {
    sim.setFaults(['503']);
    try {
      const response = await fetch(`${gateway.url}/v1beta/models/gemini-3-pro-image:generateContent`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-goog-api-key': gateway.key,
          'x-request-id': 'failing-call-1',
        },
        body: JSON.stringify({ contents: editRequest('x').contents }),
      });
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.error.status).toBe('UNAVAILABLE');
    } finally {
      sim.setFaults([]);
    }
    await gateway.settled();
    const rows = await queryRequestLog(gateway.running.gateway.database.db, { limit: 50 });
    const row = rows.find((entry) => entry.clientRequestId === 'failing-call-1');
    expect(row?.status).toBe(503);
    expect(row?.errorClass).toBe('overloaded');
    expect(row?.channel).toBe('google-sim');
    expect(row?.model).toBe('gemini-3-pro-image');
  });
});
