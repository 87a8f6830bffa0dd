// The Responses door through the real `openai` SDK 6.x: the image tool on the offline engine, a
// Gemini model and a gpt-image model via upstream-sim; multi-turn edits and key scoping.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { isBlue, pixelAt } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
let retestImage: Buffer;
let otherKey: string;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('google-sim', sim.url, ['gemini-3.1-flash-image'])}
  - name: openai-sim
    provider: openai-compatible
    baseUrl: ${sim.url}
    apiKeys: ["sim-key-openai"]
    models: [gpt-image-2]
`,
  });
  retestImage = await makeRetestImage();
  otherKey = (await createClientKey(gateway.running.gateway.database.db, { name: 'other-client' })).key;
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

function client(key = gateway.key): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

type ImageCall = OpenAI.Responses.ResponseOutputItem.ImageGenerationCall & {
  size?: string;
  output_format?: string;
  revised_prompt?: string;
};

function imageCalls(response: OpenAI.Responses.Response): ImageCall[] {
  return response.output.filter((item): item is ImageCall => item.type === 'image_generation_call');
}

function decoded(result: string | null | undefined): Buffer {
  const bytes = Buffer.from(result ?? '', 'base64');
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return bytes;
}

function editInput(text: string) {
  return [
    {
      role: 'user' as const,
      content: [
        { type: 'input_text' as const, text },
        {
          type: 'input_image' as const,
          image_url: `data:image/png;base64,${retestImage.toString('base64')}`,
          detail: 'auto' as const,
        },
      ],
    },
  ];
}

for (const model of ['local-image-edit', 'gemini-3.1-flash-image', 'gpt-image-2']) {
  describe(`responses.create with the image tool on ${model}`, () => {
    it('edits the retest template: the background turns blue', async () => {
      const response = await client().responses.create({
        model,
        input: editInput('Change the background to blue'),
        tools: [{ type: 'image_generation' }],
      });
      expect(response.status).toBe('completed');
      expect(response.id).toMatch(/^resp_/);
      const [call] = imageCalls(response);
      expect(call.status).toBe('completed');
      expect(call.output_format).toBe('png');
      const image = decoded(call.result);
      expect(isBlue(await pixelAt(image, 4, 4))).toBe(true);
      expect(response.usage?.total_tokens).toBeGreaterThan(0);
    });
  });
}

describe('previous_response_id', () => {
  it('a second turn edits the first turn’s output, and another key cannot read or continue it', async () => {
    const first = await client().responses.create({
      model: 'local-image-edit',
      input: editInput('Change the background to blue'),
      tools: [{ type: 'image_generation' }],
    });
    const firstImage = decoded(imageCalls(first)[0].result);
    expect(isBlue(await pixelAt(firstImage, 4, 4))).toBe(true);
    const second = await client().responses.create({
      model: 'local-image-edit',
      previous_response_id: first.id,
      input: 'Now make it grayscale',
      tools: [{ type: 'image_generation' }],
    });
    const secondImage = decoded(imageCalls(second)[0].result);
    // The blue background of the first answer, now gray: the second turn edited that image.
    const { r, g, b } = await pixelAt(secondImage, 4, 4);
    expect(Math.abs(r - g)).toBeLessThan(3);
    expect(Math.abs(g - b)).toBeLessThan(3);
    expect(r).toBeLessThan(200);
    expect(second.previous_response_id).toBe(first.id);

    const stored = await client().responses.retrieve(first.id);
    expect(stored.id).toBe(first.id);
    // The second turn's input, as the SDK pages it: one user message with the instruction.
    const items = [];
    for await (const item of client().responses.inputItems.list(second.id)) items.push(item);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'message', role: 'user' });
    const firstItems = [];
    for await (const item of client().responses.inputItems.list(first.id, { order: 'asc', limit: 1 }))
      firstItems.push(item);
    expect(firstItems).toHaveLength(1);
    expect(JSON.stringify(firstItems[0])).toContain('input_image');
    await expect(client(otherKey).responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      client(otherKey).responses.create({
        model: 'local-image-edit',
        previous_response_id: first.id,
        input: 'Now make it grayscale',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 404, param: 'previous_response_id' });
    await expect(client(otherKey).responses.delete(first.id)).rejects.toMatchObject({ status: 404 });
    await client().responses.delete(first.id);
    await expect(client().responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('previous_response_id on a gpt-image model via upstream-sim', () => {
  it('edits the first turn’s output', async () => {
    const first = await client().responses.create({
      model: 'gpt-image-2',
      input: editInput('Change the background to blue'),
      tools: [{ type: 'image_generation' }],
    });
    const second = await client().responses.create({
      model: 'gpt-image-2',
      previous_response_id: first.id,
      input: 'Now make it grayscale',
      tools: [{ type: 'image_generation' }],
    });
    const { r, g, b } = await pixelAt(decoded(imageCalls(second)[0].result), 4, 4);
    expect(Math.abs(r - b)).toBeLessThan(3);
    expect(r).toBeLessThan(200);
    expect(g).toBeLessThan(200);
  });
});

describe('responses.stream', () => {
  it('sends partial images from a gpt-image route before the final image', async () => {
    const stream = client().responses.stream({
      model: 'gpt-image-2',
      input: editInput('Change the background to blue'),
      tools: [{ type: 'image_generation', partial_images: 2 }],
    });
    const partials: number[] = [];
    for await (const event of stream) {
      if (event.type === 'response.image_generation_call.partial_image')
        partials.push(event.partial_image_index);
    }
    expect(partials).toEqual([0, 1]);
    const final = await stream.finalResponse();
    expect(isBlue(await pixelAt(decoded(imageCalls(final)[0].result), 4, 4))).toBe(true);
  });

  it('yields the documented events in order with rising sequence numbers', async () => {
    const stream = client().responses.stream({
      model: 'gemini-3.1-flash-image',
      input: editInput('Change the background to blue'),
      tools: [{ type: 'image_generation', partial_images: 2 }],
    });
    const types: string[] = [];
    const sequence: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
    }
    const final = await stream.finalResponse();
    expect(types.slice(0, 5)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.image_generation_call.in_progress',
      'response.image_generation_call.generating',
    ]);
    expect(types).toContain('response.image_generation_call.completed');
    expect(types.at(-1)).toBe('response.completed');
    expect(sequence).toEqual(sequence.map((_, index) => index));
    const image = decoded(imageCalls(final)[0].result);
    expect(isBlue(await pixelAt(image, 4, 4))).toBe(true);
  });
});

describe('bad input', () => {
  it('answers OpenAI-style 400s naming the field', async () => {
    await expect(
      client().responses.create({
        model: 'local-image-edit',
        input: 'a red circle on a white background',
        tools: [{ type: 'web_search' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'tools[0].type' });
    await expect(
      client().responses.create({
        model: 'gemini-3.1-flash-image',
        input: 'a red circle on a white background',
        tools: [{ type: 'image_generation', background: 'transparent' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'tools[0].background' });
    await expect(
      client().responses.create({ model: 'local-image-edit', tools: [{ type: 'image_generation' }] }),
    ).rejects.toMatchObject({ status: 400, param: 'input' });
  });
});
