// The Interactions door through the real `@google/genai` 2.x SDK: the offline engine, a Gemini model
// and a gpt-image model via upstream-sim; a continued edit, key scoping, the stream, an 8 MB image.
import { randomBytes } from 'node:crypto';
import { GoogleGenAI, type Interactions } from '@google/genai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { isBlue, pixelAt } from '../helpers/images.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let sim: UpstreamSim;
let gateway: TestGateway;
let square: string;
let otherKey: string;
const noRetries = { maxRetries: 0 };

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
  square = (await makeRetestImage()).toString('base64');
  otherKey = (await createClientKey(gateway.running.gateway.database.db, { name: 'other-client' })).key;
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

function ai(key = gateway.key): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: gateway.url } });
}

function imageOf(steps: readonly Interactions.Step[] | undefined): Buffer {
  const image = (steps ?? [])
    .filter((step) => step.type === 'model_output')
    .flatMap((step) => (step as Interactions.ModelOutputStep).content ?? [])
    .find((content) => content.type === 'image') as Interactions.ImageContent | undefined;
  expect(image?.data).toBeTruthy();
  return Buffer.from(image?.data ?? '', 'base64');
}

const editInput = () => [
  { type: 'text' as const, text: 'Change the background to blue' },
  { type: 'image' as const, data: square, mime_type: 'image/png' as const },
];

for (const model of ['local-image-edit', 'gemini-3.1-flash-image', 'gpt-image-2']) {
  describe(`ai.interactions.create on ${model}`, () => {
    it('edits the retest template: the background turns blue', async () => {
      const interaction = await ai().interactions.create(
        { model, input: editInput(), response_format: { type: 'image' } },
        noRetries,
      );
      expect(interaction.status).toBe('completed');
      expect(isBlue(await pixelAt(imageOf(interaction.steps), 4, 4))).toBe(true);
      expect(interaction.usage?.total_tokens).toBeGreaterThan(0);
    });
  });
}

describe('previous_interaction_id', () => {
  it('continues the edit on the first output, and another key gets a 404', async () => {
    const first = await ai().interactions.create(
      { model: 'local-image-edit', input: editInput() },
      noRetries,
    );
    const second = await ai().interactions.create(
      { model: 'local-image-edit', input: 'Now make it grayscale', previous_interaction_id: first.id },
      noRetries,
    );
    const { r, g, b } = await pixelAt(imageOf(second.steps), 4, 4);
    expect(Math.abs(r - b)).toBeLessThan(3);
    expect(r).toBeLessThan(200);
    expect(g).toBeLessThan(200);

    const stored = await ai().interactions.get(first.id, undefined, noRetries);
    expect(stored.steps?.[0]?.type).toBe('user_input');
    await expect(ai(otherKey).interactions.get(first.id, undefined, noRetries)).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      ai(otherKey).interactions.create(
        { model: 'local-image-edit', input: 'Now make it grayscale', previous_interaction_id: first.id },
        noRetries,
      ),
    ).rejects.toMatchObject({ status: 404 });
    await ai().interactions.delete(first.id, undefined, noRetries);
    await expect(ai().interactions.get(first.id, undefined, noRetries)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('streaming', () => {
  it('yields Google’s event sequence and an 8 MB image intact', async () => {
    // Noise does not compress: a 2048² RGB PNG of noise stays well over 8 MB as base64.
    const noise = randomBytes(2048 * 2048 * 3);
    const big = await sharp(noise, { raw: { width: 2048, height: 2048, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const stream = await ai().interactions.create(
      {
        model: 'local-image-edit',
        input: [
          { type: 'text', text: 'flip horizontally' },
          { type: 'image', data: big.toString('base64'), mime_type: 'image/png' },
        ],
        response_format: { type: 'image', image_size: '2K' },
        stream: true,
      },
      noRetries,
    );
    const types: string[] = [];
    let image = '';
    for await (const event of stream) {
      types.push(event.event_type);
      if (event.event_type === 'step.delta' && event.delta.type === 'image') image = event.delta.data ?? '';
    }
    expect(types[0]).toBe('interaction.created');
    expect(types).toContain('step.start');
    expect(types.at(-1)).toBe('interaction.completed');
    const decoded = Buffer.from(image, 'base64');
    expect(image.length).toBeGreaterThan(8_000_000);
    const { data, info } = await sharp(decoded).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(2048);
    // Flipped: the first pixel of the answer is the last pixel of the input's first row, byte for byte.
    expect([...data.subarray(0, 3)]).toEqual([...noise.subarray(2047 * 3, 2048 * 3)]);
  });
});

describe('bad input', () => {
  it('answers Google-style 400s and 404s', async () => {
    await expect(
      ai().interactions.create(
        { model: 'local-image-edit', input: [{ type: 'audio', data: 'AAAA' }] },
        noRetries,
      ),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      ai().interactions.create({ model: 'no-such-model', input: 'a red circle' }, noRetries),
    ).rejects.toMatchObject({ status: 404 });
  });
});
