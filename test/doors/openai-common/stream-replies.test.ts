import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import { ChatStreamAssembler } from '../../../src/doors/openai-chat/stream-reply.js';
import { ImagesStreamAssembler } from '../../../src/doors/openai-images/stream-reply.js';
import type { ImagesOutputOptions } from '../../../src/doors/openai-images/to-canonical.js';

let image: string;
beforeAll(async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0000ff' } })
    .png()
    .toBuffer();
  image = png.toString('base64');
});

const output: ImagesOutputOptions = {
  format: 'png',
  responseFormat: 'b64_json',
  background: 'auto',
  quality: 'auto',
  size: 'auto',
};

function frameData(frame: string | Buffer | Buffer[]): Record<string, unknown> {
  const line = (Array.isArray(frame) ? Buffer.concat(frame).toString() : String(frame))
    .split('\n')
    .find((candidate) => candidate.startsWith('data: '));
  return JSON.parse(line!.slice('data: '.length));
}

describe('Images stream frames for one sub-call', () => {
  const interim = (): GenerateContentResponse => ({
    candidates: [
      { content: { parts: [{ inlineData: { mimeType: 'image/png', data: image }, thought: true }] } },
    ],
  });
  const final = (): GenerateContentResponse => ({
    candidates: [
      { content: { parts: [{ inlineData: { mimeType: 'image/png', data: image } }] }, finishReason: 'STOP' },
    ],
    usageMetadata: {
      promptTokenCount: 10,
      candidatesTokenCount: 1120,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
    },
  });

  it('sends interim images as partial_image frames, at most partial_images of them', async () => {
    const assembler = new ImagesStreamAssembler({ kind: 'edit', output, partialImages: 1, createdAt: 1 });
    const first = await assembler.onEvent(interim());
    const second = await assembler.onEvent(interim());
    expect(first).toHaveLength(1);
    expect(first[0].startsWith('event: image_edit.partial_image\n')).toBe(true);
    expect(frameData(first[0])).toMatchObject({ type: 'image_edit.partial_image', partial_image_index: 0 });
    expect(second).toHaveLength(0);
  });

  it('holds the final image until the end and sends it as completed with usage', async () => {
    const assembler = new ImagesStreamAssembler({
      kind: 'generation',
      output,
      partialImages: 0,
      createdAt: 1,
    });
    expect(await assembler.onEvent(final())).toEqual([]);
    const frames = await assembler.finish(final().usageMetadata);
    expect(frames).toHaveLength(1);
    expect(frameData(frames[0])).toMatchObject({
      type: 'image_generation.completed',
      b64_json: image,
      usage: { output_tokens_details: { image_tokens: 1120 } },
    });
  });
});

describe('chat stream frames for one choice', () => {
  const meta = { id: 'chatcmpl-1', created: 1, model: 'm' };

  it('opens with the role, holds the finish chunk and closes with usage when asked', () => {
    const assembler = new ChatStreamAssembler(meta, 0);
    const text = assembler.onEvent({ candidates: [{ content: { parts: [{ text: 'Here' }] } }] });
    expect(frameData(text[0])).toMatchObject({
      choices: [{ delta: { role: 'assistant', content: 'Here' } }],
    });
    const held = assembler.onEvent({
      candidates: [
        {
          content: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AAA' } }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5 },
    });
    expect(held).toEqual([]);
    const closing = frameData(assembler.finish({ promptTokenCount: 3, candidatesTokenCount: 5 }, true));
    expect(closing).toMatchObject({
      choices: [
        { finish_reason: 'stop', delta: { images: [{ image_url: { url: 'data:image/png;base64,AAA' } }] } },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    });
  });

  it('closes with stop and no usage when the upstream sent no finish reason', () => {
    const assembler = new ChatStreamAssembler(meta, 2);
    const closing = frameData(assembler.finish(undefined, false));
    expect(closing).toMatchObject({
      choices: [{ index: 2, finish_reason: 'stop', delta: { role: 'assistant' } }],
    });
    expect(closing.usage).toBeUndefined();
  });
});
