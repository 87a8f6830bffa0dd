import { randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { isBlue, pixelAt } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
let retestImage: Buffer;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image'])}`,
  });
  retestImage = await makeRetestImage();
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

function client(): OpenAI {
  return new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

function png(b64: string | undefined): Buffer {
  const bytes = Buffer.from(b64 ?? '', 'base64');
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return bytes;
}

/** `modalities: ["image"]` and `message.images` are router extensions the SDK's types do not list. */
type ImageMessage = { content: string | null; images?: { image_url: { url: string } }[] };
type ImageDelta = ChatCompletionChunk.Choice.Delta & { images?: { image_url: { url: string } }[] };

function chatParams(model: string, extra: Record<string, unknown> = {}) {
  return {
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Change the background to blue' },
          {
            type: 'image_url',
            image_url: { url: `data:image/png;base64,${retestImage.toString('base64')}` },
          },
        ],
      },
    ],
    modalities: ['image', 'text'],
    ...extra,
  };
}

for (const model of ['local-image-edit', 'gemini-3.1-flash-image']) {
  describe(`the openai SDK against ${model}`, () => {
    it('images.generate returns a PNG as b64_json with usage', async () => {
      const result = await client().images.generate({
        model,
        prompt: 'a red circle on a white background',
        size: '1024x1024',
      });
      expect(result.data).toHaveLength(1);
      png(result.data?.[0].b64_json);
      expect(result.output_format).toBe('png');
      expect(typeof result.usage?.total_tokens).toBe('number');
    });

    it('images.edit edits one uploaded image', async () => {
      const result = await client().images.edit({
        model,
        prompt: 'Change the background to blue',
        image: await toFile(retestImage, 'input.png', { type: 'image/png' }),
      });
      const edited = png(result.data?.[0].b64_json);
      expect(isBlue(await pixelAt(edited, 4, 4))).toBe(true);
    });

    it('images.edit takes three input images and a mask', async () => {
      const mask = await sharp({
        create: { width: 512, height: 512, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
      })
        .png()
        .toBuffer();
      const images = await Promise.all(
        [0, 1, 2].map((index) => toFile(retestImage, `input-${index}.png`, { type: 'image/png' })),
      );
      const result = await client().images.edit({
        model,
        prompt: 'Change the background to blue',
        image: images,
        mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      });
      expect(result.data).toHaveLength(1);
      png(result.data?.[0].b64_json);
    });

    it('images.generate streams image_generation events ending in completed', async () => {
      const stream = await client().images.generate({
        model,
        prompt: 'a red circle on a white background',
        stream: true,
        partial_images: 1,
      });
      const types: string[] = [];
      let completed: string | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'image_generation.completed') completed = event.b64_json;
      }
      expect(types.at(-1)).toBe('image_generation.completed');
      png(completed);
    });

    it('images.edit streams image_edit events ending in completed', async () => {
      const stream = await client().images.edit({
        model,
        prompt: 'Change the background to blue',
        image: await toFile(retestImage, 'input.png', { type: 'image/png' }),
        stream: true,
      });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      expect(types).toEqual(['image_edit.completed']);
    });

    it('chat.completions.create with n: 2 answers two choices', async () => {
      const completion = await client().chat.completions.create(
        chatParams(model, { n: 2 }) as unknown as ChatCompletionCreateParamsNonStreaming,
      );
      expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1]);
      for (const choice of completion.choices) {
        expect((choice.message as unknown as ImageMessage).images).toHaveLength(1);
      }
    });

    it('chat.completions.create returns the image in message.images', async () => {
      const completion = await client().chat.completions.create(
        chatParams(model) as unknown as ChatCompletionCreateParamsNonStreaming,
      );
      expect(completion.object).toBe('chat.completion');
      const message = completion.choices[0].message as unknown as ImageMessage;
      const url = message.images?.[0]?.image_url.url ?? '';
      expect(url.startsWith('data:image/png;base64,')).toBe(true);
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(completion.usage?.total_tokens).toBeGreaterThanOrEqual(0);
    });

    it('chat.completions.create edits a large image (a data URL the gateway never copies)', async () => {
      // 240×180 of noise: ~170 KB of base64, so the body is parsed with the data URL left unread.
      const noise = await sharp(randomBytes(240 * 180 * 3), { raw: { width: 240, height: 180, channels: 3 } })
        .png()
        .toBuffer();
      const completion = await client().chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'grayscale' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${noise.toString('base64')}` } },
            ],
          },
        ],
        modalities: ['image', 'text'],
      } as unknown as ChatCompletionCreateParamsNonStreaming);
      const url = (completion.choices[0].message as unknown as ImageMessage).images?.[0]?.image_url.url ?? '';
      const edited = png(url.slice('data:image/png;base64,'.length));
      const { width, height } = await sharp(edited).metadata();
      expect([width, height]).toEqual([240, 180]);
      const pixel = await pixelAt(edited, 10, 10);
      expect(pixel.r).toBe(pixel.g);
      expect(pixel.g).toBe(pixel.b);
    });

    it('chat.completions.create streams delta.images, a finish chunk with usage, then [DONE]', async () => {
      const stream = await client().chat.completions.create(
        chatParams(model, {
          stream: true,
          stream_options: { include_usage: true },
        }) as unknown as ChatCompletionCreateParamsStreaming,
      );
      let images = 0;
      let finishReason: string | null = null;
      let usageSeen = false;
      for await (const chunk of stream) {
        expect(chunk.object).toBe('chat.completion.chunk');
        const choice = chunk.choices[0];
        images += (choice?.delta as ImageDelta | undefined)?.images?.length ?? 0;
        finishReason = choice?.finish_reason ?? finishReason;
        if (chunk.usage) usageSeen = true;
      }
      expect(images).toBe(1);
      expect(finishReason).toBe('stop');
      expect(usageSeen).toBe(true);
    });
  });
}

describe('GET /v1/models through the openai SDK', () => {
  it('lists routed catalog models in the OpenAI list shape', async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) {
      expect(model.object).toBe('model');
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['local-image-edit', 'gemini-3.1-flash-image']));
    expect(ids).not.toContain('gpt-image-2');
  });

  it('retrieves one model by alias as its catalog id', async () => {
    const model = await client().models.retrieve('nano-banana-2');
    expect(model).toMatchObject({
      id: 'gemini-3.1-flash-image',
      object: 'model',
      owned_by: 'google',
    });
  });
});
