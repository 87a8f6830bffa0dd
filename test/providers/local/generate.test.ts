import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayError } from '../../../src/canonical/errors.js';
import type { GenerateContentRequest, Part } from '../../../src/canonical/types.js';
import {
  countTokensLocally,
  inputImageTokenCount,
  outputImageTokensBySize,
} from '../../../src/providers/local/count-tokens.js';
import { generateWithLocalEngine } from '../../../src/providers/local/generate.js';
import { createLocalProvider } from '../../../src/providers/local/index.js';
import { pixelAt, squareOnBackground } from '../../engine/helpers.js';

async function sampleBase64(): Promise<string> {
  const png = await squareOnBackground({
    width: 64,
    height: 64,
    background: { r: 240, g: 240, b: 240 },
    square: { r: 255, g: 0, b: 0 },
    left: 22,
    top: 22,
    side: 20,
  });
  return png.toString('base64');
}

function editRequest(
  text: string,
  data: string,
  extra: Partial<GenerateContentRequest> = {},
): GenerateContentRequest {
  return {
    contents: [{ role: 'user', parts: [{ text }, { inlineData: { mimeType: 'image/png', data } }] }],
    ...extra,
  };
}

function partsOf(response: Awaited<ReturnType<typeof generateWithLocalEngine>>): Part[] {
  return response.candidates?.[0]?.content?.parts ?? [];
}

describe('generateWithLocalEngine', () => {
  it('answers like Gemini with a text part, an inline PNG and deterministic usage', async () => {
    const text = 'change the background to blue';
    const response = await generateWithLocalEngine(
      editRequest(text, await sampleBase64()),
      'local-image-edit',
    );
    const parts = partsOf(response);
    expect(parts).toHaveLength(2);
    expect(typeof parts[0].text).toBe('string');
    expect(parts[1].inlineData?.mimeType).toBe('image/png');
    const image = Buffer.from(parts[1].inlineData?.data ?? '', 'base64');
    expect(await pixelAt(image, 0, 0)).toEqual({ r: 0, g: 0, b: 255 });
    expect(await pixelAt(image, 32, 32)).toEqual({ r: 255, g: 0, b: 0 });

    const answerTokens = Math.ceil((parts[0].text ?? '').length / 4);
    const promptText = Math.ceil(text.length / 4);
    expect(response.candidates?.[0]).toMatchObject({
      finishReason: 'STOP',
      index: 0,
      content: { role: 'model' },
    });
    expect(response.usageMetadata).toEqual({
      promptTokenCount: promptText + 258,
      candidatesTokenCount: 1290 + answerTokens,
      totalTokenCount: promptText + 258 + 1290 + answerTokens,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: promptText },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
      candidatesTokensDetails: [
        { modality: 'TEXT', tokenCount: answerTokens },
        { modality: 'IMAGE', tokenCount: 1290 },
      ],
    });
    expect(response.modelVersion).toBe('local-image-edit');
    expect(response.responseId).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('omits the text part when only IMAGE is asked for and bills the per-size image tokens', async () => {
    const request = editRequest('invert', await sampleBase64(), {
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { imageSize: '2K' } },
    });
    const response = await generateWithLocalEngine(request, 'local-image-edit');
    const parts = partsOf(response);
    expect(parts).toHaveLength(1);
    expect(parts[0].inlineData).toBeDefined();
    expect(response.usageMetadata?.candidatesTokenCount).toBe(1680);
    expect(response.usageMetadata?.candidatesTokensDetails).toEqual([
      { modality: 'IMAGE', tokenCount: 1680 },
    ]);
  });

  it('answers NO_IMAGE with an explanation when the instruction is not understood', async () => {
    const request = editRequest('make the cat wear a hat', await sampleBase64(), {
      generationConfig: { responseModalities: ['IMAGE'] },
    });
    const response = await generateWithLocalEngine(request, 'local-image-edit');
    const parts = partsOf(response);
    expect(response.candidates?.[0]?.finishReason).toBe('NO_IMAGE');
    expect(parts).toHaveLength(1);
    expect(parts[0].text).toContain('Did not understand');
    expect(parts[0].text).toContain('Supported instructions');
    const reasonTokens = Math.ceil((parts[0].text ?? '').length / 4);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(reasonTokens);
  });

  it('uses only the last user turn and ignores thought parts', async () => {
    const data = await sampleBase64();
    const request: GenerateContentRequest = {
      contents: [
        { role: 'user', parts: [{ text: 'make the cat wear a hat' }] },
        { role: 'model', parts: [{ text: 'I cannot.' }] },
        {
          role: 'user',
          parts: [
            { text: 'ponder hats', thought: true },
            { text: 'grayscale' },
            { inlineData: { mimeType: 'image/png', data } },
          ],
        },
      ],
    };
    const response = await generateWithLocalEngine(request, 'local-image-edit');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('draws a shape when there is no input image', async () => {
    const request: GenerateContentRequest = {
      contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
      generationConfig: { imageConfig: { aspectRatio: '3:2' } },
    };
    const response = await generateWithLocalEngine(request, 'local-image-edit');
    const image = Buffer.from(partsOf(response)[1].inlineData?.data ?? '', 'base64');
    const metadata = await sharp(image).metadata();
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: 1024, height: 683 });
    expect(response.usageMetadata?.promptTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: 9 }]);
  });

  it('rejects an undecodable image with a 400 naming the part', async () => {
    const request = editRequest('invert', Buffer.from('definitely not an image').toString('base64'));
    const failure = await generateWithLocalEngine(request, 'local-image-edit').catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ httpStatus: 400, param: 'contents[0].parts[1].inlineData.data' });
  });

  it('rejects a request that asks for text only', async () => {
    const request = editRequest('invert', await sampleBase64(), {
      generationConfig: { responseModalities: ['TEXT'] },
    });
    await expect(generateWithLocalEngine(request, 'local-image-edit')).rejects.toMatchObject({
      param: 'generationConfig.responseModalities',
    });
  });
});

describe('countTokensLocally', () => {
  it('counts text as ceil(characters / 4) and 258 per image', async () => {
    const request = editRequest('abcdefghi', await sampleBase64());
    expect(countTokensLocally(request)).toEqual({
      totalTokens: 3 + 258,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 3 },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
    });
  });

  it('agrees with the catalog entry for local-image-edit', () => {
    const catalog = parse(
      readFileSync(new URL('../../../src/catalog/builtin-models.yaml', import.meta.url), 'utf8'),
      {
        merge: true,
      },
    ) as { models: Array<{ id: string; inputImageTokens: number; imageTokens: Record<string, number> }> };
    const local = catalog.models.find((model) => model.id === 'local-image-edit');
    expect(local?.inputImageTokens).toBe(inputImageTokenCount);
    expect(local?.imageTokens).toEqual(outputImageTokensBySize);
  });
});

describe('createLocalProvider', () => {
  const target = {
    channelName: 'local-engine',
    baseUrl: '',
    upstreamModel: 'local-image-edit',
    options: {},
    signal: new AbortController().signal,
  };

  it('streams the whole answer as one chunk', async () => {
    const request = editRequest('grayscale', await sampleBase64());
    const events = [];
    for await (const event of await createLocalProvider().stream(request, target)) events.push(event);
    expect(events).toHaveLength(1);
    expect(events[0].response.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('counts tokens without running the engine', async () => {
    const counted = await createLocalProvider().countTokens?.(
      editRequest('abcd', await sampleBase64()),
      target,
    );
    expect(counted).toEqual({
      totalTokens: 259,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 1 },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
    });
  });
});
