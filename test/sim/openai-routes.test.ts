import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { drawPrompt, flashModel, gptImageModel, useSim } from './helpers.js';

interface ImagesBody {
  created: number;
  background: string;
  output_format: string;
  quality: string;
  size: string;
  data: { b64_json?: string; url?: string }[];
  usage: {
    input_tokens: number;
    input_tokens_details: { text_tokens: number; image_tokens: number };
    output_tokens: number;
    total_tokens: number;
    output_tokens_details: { image_tokens: number; text_tokens: number };
  };
  error?: { message: string; type: string; param: string | null; code: string | null };
}

const bearer = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

function postJson(url: string, body: unknown, headers: Record<string, string> = bearer): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** Splits an OpenAI SSE body into (event, data) pairs. */
function splitOpenAiSse(text: string): { event?: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.length > 0)
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
      const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '';
      return { event, data };
    });
}

describe('upstream-sim OpenAI routes', () => {
  it('generates images with gpt-image usage for the size and quality', async () => {
    const sim = await useSim();
    const cases: [string, string, number][] = [
      ['1024x1024', 'low', 272],
      ['1024x1536', 'medium', 1584],
      ['1536x1024', 'auto', 6208],
    ];
    for (const [size, quality, tokens] of cases) {
      const response = await postJson(`${sim.url}/v1/images/generations`, {
        model: gptImageModel,
        prompt: drawPrompt,
        size,
        quality,
        n: 2,
      });
      const body = (await response.json()) as ImagesBody;
      expect(response.status).toBe(200);
      expect(body).toMatchObject({ size, output_format: 'png', background: 'opaque' });
      expect(body.data).toHaveLength(2);
      expect(body.usage.output_tokens_details).toEqual({ image_tokens: tokens * 2, text_tokens: 0 });
      expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
      const metadata = await sharp(Buffer.from(String(body.data[0].b64_json), 'base64')).metadata();
      expect(`${metadata.width}x${metadata.height}`).toBe(size);
    }
  });

  it('edits a multipart upload and records its fields and files', async () => {
    const sim = await useSim();
    const form = new FormData();
    form.append(
      'image[]',
      new Blob([new Uint8Array(await makeRetestImage())], { type: 'image/png' }),
      'in.png',
    );
    form.append('prompt', 'change the background to blue');
    form.append('model', gptImageModel);
    form.append('quality', 'low');
    form.append('output_format', 'jpeg');
    const response = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: form,
    });
    const body = (await response.json()) as ImagesBody;
    expect(response.status).toBe(200);
    expect(body.output_format).toBe('jpeg');
    expect(body.usage.input_tokens_details.image_tokens).toBeGreaterThan(0);
    expect((await sharp(Buffer.from(String(body.data[0].b64_json), 'base64')).metadata()).format).toBe(
      'jpeg',
    );
    expect(sim.received[0]?.body).toMatchObject({ prompt: 'change the background to blue', quality: 'low' });
    expect(sim.received[0]?.files.map((file) => [file.field, file.filename, file.mimeType])).toEqual([
      ['image[]', 'in.png', 'image/png'],
    ]);
  });

  it('edits the JSON form with images[].image_url data URLs', async () => {
    const sim = await useSim();
    const dataUrl = `data:image/png;base64,${(await makeRetestImage()).toString('base64')}`;
    const response = await postJson(`${sim.url}/v1/images/edits`, {
      model: gptImageModel,
      prompt: 'make it grayscale',
      images: [{ image_url: dataUrl }],
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as ImagesBody).data[0].b64_json).toBeTruthy();
  });

  it('streams partial images then the completed event, whole image per data line', async () => {
    const sim = await useSim();
    const response = await postJson(`${sim.url}/v1/images/generations`, {
      model: gptImageModel,
      prompt: drawPrompt,
      stream: true,
      partial_images: 2,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = splitOpenAiSse(await response.text());
    expect(events.map((event) => event.event)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    const partial = JSON.parse(events[1].data) as Record<string, unknown>;
    expect(partial).toMatchObject({ type: 'image_generation.partial_image', partial_image_index: 1 });
    const completed = JSON.parse(events[2].data) as Record<string, unknown>;
    expect(completed).toMatchObject({ type: 'image_generation.completed', size: '1024x1024' });
    expect(completed).toHaveProperty('usage');
    expect(completed).not.toHaveProperty('partial_image_index');
  });

  it('names streamed edit events image_edit.*', async () => {
    const sim = await useSim();
    const form = new FormData();
    form.append(
      'image',
      new Blob([new Uint8Array(await makeRetestImage())], { type: 'image/png' }),
      'in.png',
    );
    form.append('prompt', 'invert the colors');
    form.append('stream', 'true');
    form.append('partial_images', '1');
    const response = await fetch(`${sim.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: form,
    });
    const events = splitOpenAiSse(await response.text());
    expect(events.map((event) => event.event)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
  });

  it('rejects a missing or wrong key with 401 invalid_api_key', async () => {
    const sim = await useSim({ apiKey: 'sk-right' });
    const missing = await postJson(`${sim.url}/v1/images/generations`, { prompt: drawPrompt }, {});
    const wrong = await postJson(`${sim.url}/v1/images/generations`, { prompt: drawPrompt });
    for (const response of [missing, wrong]) {
      expect(response.status).toBe(401);
      expect(((await response.json()) as ImagesBody).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    }
  });

  it('rejects an unsupported size naming the parameter', async () => {
    const sim = await useSim();
    const response = await postJson(`${sim.url}/v1/images/generations`, {
      prompt: drawPrompt,
      size: '512x512',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ImagesBody).error).toMatchObject({
      param: 'size',
      code: 'invalid_value',
    });
  });

  it('answers OpenAI-envelope 429 with retry-after and a 200 without images for no-image', async () => {
    const sim = await useSim({ faults: ['429'] });
    const limited = await postJson(`${sim.url}/v1/images/generations`, { prompt: drawPrompt });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as ImagesBody).error?.code).toBe('rate_limit_exceeded');
    sim.setFaults(['no-image']);
    const empty = (await (
      await postJson(`${sim.url}/v1/images/generations`, { prompt: drawPrompt })
    ).json()) as ImagesBody;
    expect(empty.data).toEqual([]);
    sim.setFaults(['url-image', 'usage-drift:2']);
    const linked = (await (
      await postJson(`${sim.url}/v1/images/generations`, { prompt: drawPrompt, quality: 'low' })
    ).json()) as ImagesBody;
    expect(linked.data[0].url?.startsWith(`${sim.url}/sim-files/`)).toBe(true);
    expect(linked.usage.output_tokens).toBe(544);
  });

  it('answers OpenRouter-style chat with message.images data URLs and usage', async () => {
    const sim = await useSim();
    const response = await postJson(`${sim.url}/v1/chat/completions`, {
      model: 'google/gemini-3-pro-image',
      messages: [{ role: 'user', content: [{ type: 'text', text: drawPrompt }] }],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '16:9' },
    });
    const body = (await response.json()) as {
      choices: { message: { content: string; images: { type: string; image_url: { url: string } }[] } }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(response.status).toBe(200);
    const image = body.choices[0].message.images[0];
    expect(image.type).toBe('image_url');
    expect(image.image_url.url).toMatch(/^data:image\/png;base64,/);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('streams chat chunks with delta.images and ends with [DONE]', async () => {
    const sim = await useSim();
    const response = await postJson(`${sim.url}/v1/chat/completions`, {
      model: `google/${flashModel}`,
      messages: [{ role: 'user', content: drawPrompt }],
      modalities: ['image', 'text'],
      stream: true,
    });
    const frames = splitOpenAiSse(await response.text());
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as Record<string, unknown>);
    const withImages = chunks.filter((chunk) => JSON.stringify(chunk).includes('"images"'));
    expect(withImages).toHaveLength(1);
    expect(chunks.at(-1)).toHaveProperty('usage');
  });

  it('answers an unknown chat model with model_not_found', async () => {
    const sim = await useSim();
    const response = await postJson(`${sim.url}/v1/chat/completions`, {
      model: 'acme/unknown',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ImagesBody).error?.code).toBe('model_not_found');
  });
});

describe('upstream-sim OpenAI chat faults', () => {
  it('moves the image into markdown text and drops message.images for markdown-image', async () => {
    const sim = await useSim({ faults: ['markdown-image'] });
    const response = await postJson(`${sim.url}/v1/chat/completions`, {
      model: flashModel,
      messages: [{ role: 'user', content: drawPrompt }],
    });
    const body = (await response.json()) as {
      choices: { message: { content: string; images: unknown[] } }[];
    };
    expect(body.choices[0].message.images).toEqual([]);
    expect(body.choices[0].message.content).toMatch(/!\[image\]\(data:image\/png;base64,/);
  });
});
