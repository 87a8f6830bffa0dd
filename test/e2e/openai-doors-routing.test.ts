import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage, RETEST_INSTRUCTION } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { queryRequestLog, type RequestLogRow } from '../../src/store/index.js';
import { isPngBase64 } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let googleSim: UpstreamSim;
let openAiSim: UpstreamSim;
let gateway: TestGateway;
let retestImage: Buffer;

beforeAll(async () => {
  googleSim = await startUpstreamSim({ port: 0 });
  openAiSim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('google-sim', googleSim.url, ['gemini-3.1-flash-image'])}  - name: openai-sim
    provider: openai-compatible
    baseUrl: ${openAiSim.url}
    apiKeys: ["sim-key-openai"]
    models: [gpt-image-2]
`,
  });
  retestImage = await makeRetestImage();
});
afterAll(async () => {
  await gateway.close();
  await googleSim.close();
  await openAiSim.close();
});

function client(): OpenAI {
  return new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}`, ...headers },
    body: JSON.stringify(body),
  });
}

async function rowsOf(requestId: string): Promise<RequestLogRow[]> {
  await gateway.settled();
  const rows = await queryRequestLog(gateway.running.gateway.database.db, { limit: 200 });
  return rows.filter((row) => row.clientRequestId === requestId);
}

const modelCalls = (sim: UpstreamSim) => sim.received.filter((request) => request.method === 'POST');

describe('n on the OpenAI Images door', () => {
  it('n: 3 returns three images from three upstream calls', async () => {
    googleSim.reset();
    const result = await client().images.generate(
      { model: 'gemini-3.1-flash-image', prompt: 'a blue square on a white background', n: 3 },
      { headers: { 'x-request-id': 'n-three-all' } },
    );
    expect(result.data).toHaveLength(3);
    for (const item of result.data ?? []) expect(isPngBase64(item.b64_json)).toBe(true);
    expect(modelCalls(googleSim)).toHaveLength(3);
    const rows = await rowsOf('n-three-all');
    // One row per sub-call, each under the gateway's id of the request with its index appended.
    const parent = rows[0]?.id.replace(/-\d$/, '');
    expect(rows.map((row) => row.id).sort()).toEqual([`${parent}-0`, `${parent}-1`, `${parent}-2`]);
  });

  it('one failing call of three returns two images and the bill says two', async () => {
    googleSim.reset();
    // Seed 1 draws 0.63, 0.003, 0.53 for the first three requests: rate 0.1 hits exactly one.
    googleSim.setFaults(['503'], 0.1);
    try {
      const result = await client().images.generate(
        { model: 'gemini-3.1-flash-image', prompt: 'a blue square on a white background', n: 3 },
        { headers: { 'x-request-id': 'n-three-partial' } },
      );
      expect(result.data).toHaveLength(2);
      const rows = await rowsOf('n-three-partial');
      expect(rows).toHaveLength(3);
      const succeeded = rows.filter((row) => row.status === 200);
      const failed = rows.filter((row) => row.status !== 200);
      expect(succeeded).toHaveLength(2);
      expect(failed).toHaveLength(1);
      expect(failed[0].imagesOut).toBe(0);
      expect(failed[0].chargedMicros).toBe(0);
      expect(rows.reduce((sum, row) => sum + row.imagesOut, 0)).toBe(2);
      const billedImageTokens = succeeded.reduce((sum, row) => sum + (row.outputImageTokens ?? 0), 0);
      expect(result.usage?.output_tokens_details?.image_tokens).toBe(billedImageTokens);
    } finally {
      googleSim.setFaults([]);
    }
  });

  it('answers the upstream error in the OpenAI envelope when every call fails', async () => {
    googleSim.setFaults(['503']);
    try {
      const response = await post('/v1/images/generations', {
        model: 'gemini-3.1-flash-image',
        prompt: 'a blue square on a white background',
        n: 2,
      });
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.error).toMatchObject({ type: 'server_error' });
      expect(typeof body.error.message).toBe('string');
    } finally {
      googleSim.setFaults([]);
    }
  });
});

describe('image delivery faults come back as real b64_json', () => {
  for (const fault of ['markdown-image', 'url-image']) {
    for (const [model, sim] of [
      ['gemini-3.1-flash-image', () => googleSim],
      ['gpt-image-2', () => openAiSim],
    ] as const) {
      it(`${fault} from ${model}`, async () => {
        sim().setFaults([fault]);
        try {
          const result = await client().images.generate({
            model,
            prompt: 'a red circle on a white background',
          });
          expect(result.data).toHaveLength(1);
          expect(isPngBase64(result.data?.[0].b64_json)).toBe(true);
          expect(result.data?.[0].url).toBeUndefined();
        } finally {
          sim().setFaults([]);
        }
      });
    }
  }
});

describe('answers without an image', () => {
  it('a text-only answer is an error that quotes the model, never data: [] with 200', async () => {
    const response = await post('/v1/images/generations', {
      model: 'local-image-edit',
      prompt: 'write a poem about autumn',
    });
    expect(response.status).toBe(502);
    const body = await response.json();
    expect(body.error.code).toBe('no_image');
    expect(body.error.message).toContain('It said:');
    expect(body.data).toBeUndefined();
  });

  it('a no-image upstream answer is an error too', async () => {
    openAiSim.setFaults(['no-image']);
    try {
      const response = await post('/v1/images/generations', { model: 'gpt-image-2', prompt: 'a red circle' });
      expect(response.status).toBe(502);
      expect((await response.json()).error.code).toBe('no_image');
    } finally {
      openAiSim.setFaults([]);
    }
  });
});

describe('OpenAI error envelope names the field', () => {
  const cases: [string, Record<string, unknown>, number, string, string][] = [
    ['a bad size', { size: '13x13' }, 400, 'size', 'invalid_value'],
    ['n above 10', { n: 11 }, 400, 'n', 'invalid_value'],
    ['an unknown model', { model: 'gpt-image-0' }, 404, 'model', 'model_not_found'],
  ];
  for (const [name, fields, status, param, code] of cases) {
    it(`rejects ${name} with param "${param}"`, async () => {
      const response = await post('/v1/images/generations', {
        model: 'local-image-edit',
        prompt: 'a red circle on a white background',
        ...fields,
      });
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error).toMatchObject({ param, code, type: 'invalid_request_error' });
    });
  }

  it('suggests close model ids for an unknown model', async () => {
    const response = await post('/v1/images/generations', { model: 'gpt-image-2.6-flair', prompt: 'x' });
    expect((await response.json()).error.message).toContain('gpt-image-2.6-flare');
  });

  it('asks for a Bearer key in the OpenAI envelope', async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatchObject({ code: 'missing_api_key', param: null });
  });

  it('refuses an image URL that points at a private address', async () => {
    const response = await post('/v1/images/edits', {
      model: 'local-image-edit',
      prompt: RETEST_INSTRUCTION,
      images: [{ image_url: 'http://127.0.0.1:9/secret.png' }],
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({
      param: 'images[0].image_url',
      code: 'invalid_image_url',
    });
  });
});

describe('the JSON edit form', () => {
  it('edits images given as data URLs in images[]', async () => {
    const response = await post('/v1/images/edits', {
      model: 'gpt-image-2',
      prompt: RETEST_INSTRUCTION,
      images: [{ image_url: `data:image/png;base64,${retestImage.toString('base64')}` }],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(isPngBase64(body.data[0].b64_json)).toBe(true);
  });

  it("sends a large data URL to a Gemini upstream as the client's own base64", async () => {
    const noise = await sharp({
      create: {
        width: 256,
        height: 256,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(100_000); // a body the gateway parses without reading the image
    const base64 = noise.toString('base64');
    googleSim.reset();
    const response = await post('/v1/images/edits', {
      model: 'gemini-3.1-flash-image',
      prompt: RETEST_INSTRUCTION,
      images: [{ image_url: `data:image/jpeg;base64,${base64}` }],
    });
    expect(response.status).toBe(200);
    expect(isPngBase64((await response.json()).data[0].b64_json)).toBe(true);
    const sent = googleSim.received.at(-1)?.body as {
      contents: { parts: { inlineData?: { mimeType: string; data: string } }[] }[];
    };
    // Typed from its bytes (a PNG), whatever the data URL declared.
    expect(sent.contents[0].parts[1].inlineData).toEqual({ mimeType: 'image/png', data: base64 });
  });
});

describe('the Gemini door reaching gpt-image-2 on an openai-compatible upstream', () => {
  const editBody = () => ({
    contents: [
      {
        role: 'user',
        parts: [
          { text: RETEST_INSTRUCTION },
          { inlineData: { mimeType: 'image/png', data: retestImage.toString('base64') } },
        ],
      },
    ],
    generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '3:2' } },
  });

  it('generateContent sends a multipart images/edits call and answers with inlineData', async () => {
    openAiSim.reset();
    const response = await fetch(`${gateway.url}/v1beta/models/gpt-image-2:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify(editBody()),
    });
    expect(response.status).toBe(200);
    const answer = await response.json();
    const part = answer.candidates[0].content.parts.find(
      (candidate: { inlineData?: unknown }) => candidate.inlineData,
    );
    expect(isPngBase64(part.inlineData.data)).toBe(true);
    expect(answer.usageMetadata.candidatesTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 6208 }]);
    const received = openAiSim.received.at(-1);
    expect(received?.path).toBe('/v1/images/edits');
    expect(received?.headers.authorization).toBe('Bearer sim-key-openai');
    expect(received?.files.map((file) => file.field)).toEqual(['image[]']);
    expect(received?.body).toMatchObject({
      model: 'gpt-image-2',
      size: '1536x1024',
      prompt: RETEST_INSTRUCTION,
    });
  });

  it('streamGenerateContent relays the completed image as an SSE event', async () => {
    const response = await fetch(`${gateway.url}/v1beta/models/gpt-image-2:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify(editBody()),
    });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split('\r\n\r\n')
      .filter(Boolean)
      .map((frame) => JSON.parse(frame.slice('data: '.length)));
    const last = events.at(-1);
    expect(last.candidates[0].finishReason).toBe('STOP');
    expect(isPngBase64(last.candidates[0].content.parts[0].inlineData.data)).toBe(true);
  });
});

describe('chat streaming with several choices', () => {
  it('streams two choices, then one usage-only chunk, then [DONE]', async () => {
    const response = await post('/v1/chat/completions', {
      model: 'gemini-3.1-flash-image',
      messages: [{ role: 'user', content: 'a red circle on a white background' }],
      modalities: ['image', 'text'],
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice('data: '.length)));
    const finished = chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.finish_reason);
    expect(finished.map((choice) => choice.index).sort()).toEqual([0, 1]);
    const usageChunk = chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.total_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
  });
});

describe('OpenAI-only image options', () => {
  it('reach a gpt-image upstream exactly and never a Gemini one', async () => {
    openAiSim.reset();
    googleSim.reset();
    const options = {
      quality: 'low',
      background: 'opaque',
      output_format: 'jpeg',
      output_compression: 80,
      moderation: 'low',
    } as const;
    const gpt = await client().images.generate({
      model: 'gpt-image-2',
      prompt: 'a red circle on a white background',
      size: '1024x1536',
      ...options,
    });
    expect(gpt.data?.length).toBe(1);
    const sent = modelCalls(openAiSim)[0].body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'gpt-image-2', size: '1024x1536', ...options });
    const gemini = await client().images.generate({
      model: 'gemini-3.1-flash-image',
      prompt: 'a red circle on a white background',
      size: '1024x1536',
      ...options,
    });
    expect(gemini.data?.length).toBe(1);
    const geminiBody = JSON.stringify(modelCalls(googleSim)[0].body);
    for (const field of ['quality', 'background', 'output_format', 'output_compression', 'moderation']) {
      expect(geminiBody).not.toContain(`"${field}"`);
    }
  });
});

describe('OpenAI door authentication', () => {
  it('uses the Bearer key even when the client also sends other key headers', async () => {
    const response = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${gateway.key}`, 'x-goog-api-key': 'not-a-key' },
    });
    expect(response.status).toBe(200);
  });
});
