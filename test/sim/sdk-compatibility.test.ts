import { GoogleGenAI } from '@google/genai';
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { drawPrompt, flashModel, gptImageModel, useSim } from './helpers.js';

describe('official SDKs against the upstream-sim', () => {
  it('@google/genai generateContent reads the image, signatures and usage', async () => {
    const sim = await useSim({ apiKey: 'x' });
    const client = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: sim.url } });
    const response = await client.models.generateContent({
      model: flashModel,
      contents: drawPrompt,
      config: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
      },
    });
    expect(response.data).toBeTruthy();
    expect(response.candidates?.[0]?.content?.parts?.[1]?.thoughtSignature).toBeTruthy();
    expect(response.usageMetadata?.candidatesTokensDetails).toEqual([
      { modality: 'IMAGE', tokenCount: 1680 },
    ]);
    expect(sim.received[0]?.headers['x-goog-api-key']).toBe('x');
    expect(sim.received[0]?.body).toMatchObject({
      generationConfig: { imageConfig: { aspectRatio: '16:9', imageSize: '2K' } },
    });
  });

  it('@google/genai generateContentStream yields text, then the image, then the finish reason', async () => {
    const sim = await useSim();
    const client = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: sim.url } });
    const stream = await client.models.generateContentStream({ model: flashModel, contents: drawPrompt });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(3);
    expect(chunks[0].text).toBeTruthy();
    expect(chunks[1].data).toBeTruthy();
    expect(chunks[2].candidates?.[0]?.finishReason).toBe('STOP');
    expect(sim.received[0]?.query).toEqual({ alt: 'sse' });
  });

  it('@google/genai surfaces the 429 with its RetryInfo', async () => {
    const sim = await useSim({ faults: ['429'] });
    const client = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: sim.url } });
    const failure = await client.models.generateContent({ model: flashModel, contents: drawPrompt }).then(
      () => undefined,
      (error: unknown) => error as { status?: number; message?: string },
    );
    expect(failure?.status).toBe(429);
    expect(failure?.message).toContain('RetryInfo');
  });

  it('openai images.generate and images.edit work with only a base URL', async () => {
    const sim = await useSim({ apiKey: 'x' });
    const client = new OpenAI({ apiKey: 'x', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const generated = await client.images.generate({
      model: gptImageModel,
      prompt: drawPrompt,
      quality: 'low',
    });
    expect(generated.data?.[0]?.b64_json).toBeTruthy();
    expect(generated.usage?.output_tokens).toBe(272);
    const image = await toFile(await makeRetestImage(), 'square.png', { type: 'image/png' });
    const edited = await client.images.edit({
      model: gptImageModel,
      image: [image],
      prompt: 'Edit this image: change the background to blue and keep the main square visible.',
    });
    expect(edited.data?.[0]?.b64_json).toBeTruthy();
    const recorded = sim.received.at(-1);
    expect(recorded?.files.map((file) => file.field)).toEqual(['image[]']);
  });

  it('openai images.generate streams partial and completed events', async () => {
    const sim = await useSim();
    const client = new OpenAI({ apiKey: 'x', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const stream = await client.images.generate({
      model: gptImageModel,
      prompt: drawPrompt,
      stream: true,
      partial_images: 1,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_generation.partial_image', 'image_generation.completed']);
  });
});
