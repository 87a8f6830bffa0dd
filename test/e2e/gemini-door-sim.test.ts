import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog } from '../../src/store/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
let inputImage: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image-preview', 'gemini-3-pro-image-preview'])}`,
  });
  inputImage = (await makeRetestImage()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

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
  for (const model of ['local-image-edit', 'gemini-3.1-flash-image-preview']) {
    it(`generateContent returns an image for ${model}`, async () => {
      const response = await sdk().models.generateContent(editRequest(model));
      const image = response.candidates?.[0]?.content?.parts?.find((part) => part.inlineData);
      expect(image?.inlineData?.mimeType).toBe('image/png');
      expect(
        Buffer.from(image?.inlineData?.data ?? '', 'base64')
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
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
        'models/gemini-3.1-flash-image-preview',
        'models/gemini-3-pro-image-preview',
      ]),
    );
    expect(names).not.toContain('models/gpt-image-1');
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
    const response = await fetch(
      `${gateway.url}/v1beta/models/gemini-3.1-flash-image-preview:generateContent`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify(body),
      },
    );
    expect(response.status).toBe(200);
    const received = sim.received.find((request) => request.path.endsWith(':generateContent'));
    expect(received?.body).toEqual(body);
    expect(received?.headers['x-goog-api-key']).toBe('sim-key-google-sim');
    const answer = await response.json();
    expect(answer.modelVersion).toBe('gemini-3.1-flash-image-preview');
    expect(typeof answer.responseId).toBe('string');
    expect(answer.usageMetadata.candidatesTokensDetails).toEqual(
      expect.arrayContaining([{ modality: 'IMAGE', tokenCount: 1680 }]),
    );
  });

  it('relays the upstream bytes unchanged when nothing needs rewriting', async () => {
    const response = await fetch(
      `${gateway.url}/v1beta/models/gemini-3.1-flash-image-preview:generateContent`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify(editRequest('x').contents ? { contents: editRequest('x').contents } : {}),
      },
    );
    const text = await response.text();
    expect(text.startsWith('{\n  "candidates"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('streams an 8 MB image event intact through ?alt=sse', async () => {
    const response = await fetch(
      `${gateway.url}/v1beta/models/gemini-3.1-flash-image-preview:streamGenerateContent?alt=sse`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
        body: JSON.stringify({
          contents: editRequest('x').contents,
          generationConfig: { responseModalities: ['IMAGE'] },
        }),
      },
    );
    // The header is forwarded by test only through the sim's own request header; see below.
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.split('\r\n\r\n').filter(Boolean);
    for (const event of events) expect(event.startsWith('data: ')).toBe(true);
    const parsed = events.map((event) => JSON.parse(event.slice(6)));
    expect(
      parsed.some((event) =>
        event.candidates?.[0]?.content?.parts?.some((part: { inlineData?: unknown }) => part.inlineData),
      ),
    ).toBe(true);
  });

  it('writes a request log row with the attempts when the upstream fails', async () => {
    sim.setFaults(['503']);
    try {
      const response = await fetch(
        `${gateway.url}/v1beta/models/gemini-3-pro-image-preview:generateContent`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-goog-api-key': gateway.key,
            'x-request-id': 'failing-call-1',
          },
          body: JSON.stringify({ contents: editRequest('x').contents }),
        },
      );
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.error.status).toBe('UNAVAILABLE');
    } finally {
      sim.setFaults([]);
    }
    await gateway.running.gateway.requestLog.flush();
    const rows = await queryRequestLog(gateway.running.gateway.database.db, { limit: 50 });
    const row = rows.find((entry) => entry.id === 'failing-call-1');
    expect(row?.status).toBe(503);
    expect(row?.errorClass).toBe('overloaded');
    expect(row?.channel).toBe('google-sim');
    expect(row?.model).toBe('gemini-3-pro-image-preview');
  });
});
