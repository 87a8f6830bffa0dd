// Canonical stream → Responses SSE events: the documented order, rising sequence numbers, partial
// images capped at the tool's partial_images, a failed image call when none came, and failure frames.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import { parseResponsesBody } from '../../../src/doors/openai-responses/schema.js';
import { type Frame, ResponsesStreamAssembler } from '../../../src/doors/openai-responses/stream-reply.js';
import type { ResponsesImageOptions } from '../../../src/doors/openai-responses/to-canonical.js';

let pngBase64: string;
beforeAll(async () => {
  pngBase64 = (
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#00f' } })
      .png()
      .toBuffer()
  ).toString('base64');
});

const image: ResponsesImageOptions = {
  format: 'png',
  background: 'auto',
  quality: 'auto',
  size: 'auto',
  partialImages: 2,
  action: 'auto',
};

function assembler(options: Partial<ResponsesImageOptions> | null = {}) {
  return new ResponsesStreamAssembler(
    {
      id: 'resp_00ff',
      createdAt: 1_700_000_000,
      model: 'gemini-3.1-flash-image',
      store: true,
      body: parseResponsesBody({ input: 'a blue square', tools: [{ type: 'image_generation' }] }),
    },
    { ...(options ? { image: { ...image, ...options } } : {}), prompt: 'a blue square', edited: false },
  );
}

interface Event {
  event: string;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

function events(frames: readonly Frame[]): Event[] {
  return frames.map((frame) => {
    const text = Buffer.concat(frame).toString('utf8');
    const match = /^event: (.+)\ndata: (.+)\n\n$/s.exec(text);
    if (!match) throw new Error(`not an SSE frame: ${text.slice(0, 80)}`);
    return { event: match[1], data: JSON.parse(match[2]) };
  });
}

function thoughtImage(): GenerateContentResponse {
  return {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ thought: true, inlineData: { mimeType: 'image/png', data: pngBase64 } }],
        },
      },
    ],
  };
}

function finalImage(text?: string): GenerateContentResponse {
  const parts = [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }, ...(text ? [{ text }] : [])];
  return { candidates: [{ content: { role: 'model', parts } }] };
}

async function run(stream: ReturnType<typeof assembler>, responses: GenerateContentResponse[]) {
  const frames = [...stream.start()];
  for (const response of responses) frames.push(...(await stream.onEvent(response)));
  const finished = await stream.finish({
    promptTokenCount: 10,
    candidatesTokenCount: 1290,
    totalTokenCount: 1300,
  });
  frames.push(...finished.frames);
  return { list: events(frames), response: finished.response };
}

describe('the Responses event stream', () => {
  it('sends the documented events in order, partial images capped at partial_images, then the message', async () => {
    const { list, response } = await run(assembler(), [
      thoughtImage(),
      thoughtImage(),
      thoughtImage(),
      finalImage('Done.'),
    ]);
    expect(list.map((entry) => entry.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.image_generation_call.in_progress',
      'response.image_generation_call.generating',
      'response.image_generation_call.partial_image',
      'response.image_generation_call.partial_image',
      'response.image_generation_call.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(list.map((entry) => entry.data.type)).toEqual(list.map((entry) => entry.event));
    expect(list.map((entry) => entry.data.sequence_number)).toEqual(list.map((_, index) => index));
    const partials = list.filter((entry) => entry.event.endsWith('partial_image'));
    expect(partials.map((entry) => entry.data.partial_image_index)).toEqual([0, 1]);
    expect(partials[0].data.partial_image_b64).toBe(pngBase64);
    expect(partials[0].data.item_id).toBe(list[2].data.item && (list[2].data.item as { id: string }).id);
    const done = list[8].data.item as { status: string; result: string; size: string };
    expect(done).toMatchObject({ status: 'completed', result: pngBase64, size: '4x4' });
    expect(response.status).toBe('completed');
    expect(response.output.map((item) => item.type)).toEqual(['image_generation_call', 'message']);
    expect(response.tool_usage?.image_gen.output_tokens).toBe(1290);
    expect((list[list.length - 1].data.response as { output: unknown[] }).output).toHaveLength(2);
  });

  it('sends no partial image when partial_images is 0', async () => {
    const { list } = await run(assembler({ partialImages: 0 }), [thoughtImage(), finalImage()]);
    expect(list.some((entry) => entry.event.endsWith('partial_image'))).toBe(false);
    expect(list.at(-1)?.event).toBe('response.completed');
  });

  it('announces a second image with its own output_item.added before it completes', async () => {
    const { list, response } = await run(assembler({ partialImages: 0 }), [finalImage(), finalImage()]);
    const tail = list.slice(5).map((entry) => [entry.event, entry.data.output_index]);
    expect(tail).toEqual([
      ['response.image_generation_call.completed', 0],
      ['response.output_item.done', 0],
      ['response.output_item.added', 1],
      ['response.image_generation_call.completed', 1],
      ['response.output_item.done', 1],
      ['response.completed', undefined],
    ]);
    expect(new Set(response.output.map((item) => item.id)).size).toBe(2);
  });

  it('closes the image call as failed when the answer had no image', async () => {
    const text: GenerateContentResponse = {
      candidates: [{ content: { role: 'model', parts: [{ text: 'I cannot.' }] } }],
    };
    const { response } = await run(assembler(), [text]);
    expect(response.output.map((item) => [item.type, item.status])).toEqual([
      ['image_generation_call', 'failed'],
      ['message', 'completed'],
    ]);
  });

  it('sends only the message events without the image tool', async () => {
    const text: GenerateContentResponse = {
      candidates: [{ content: { role: 'model', parts: [{ text: 'Hello.' }] } }],
    };
    const { list } = await run(assembler(null), [text]);
    expect(list.map((entry) => entry.event).slice(0, 3)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
    ]);
    expect(list.some((entry) => entry.event.startsWith('response.image_generation_call'))).toBe(false);
  });

  it('ends a failed stream with an error event and response.failed, numbering on', () => {
    const stream = assembler();
    const started = stream.start();
    const list = events([
      ...started,
      ...stream.failed({ message: 'upstream overloaded', code: 'server_error', param: null }),
    ]);
    expect(list.slice(-2).map((entry) => entry.event)).toEqual(['error', 'response.failed']);
    expect(list.at(-1)?.data.sequence_number).toBe(list.length - 1);
    expect(list.at(-1)?.data.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'upstream overloaded' },
    });
  });
});
