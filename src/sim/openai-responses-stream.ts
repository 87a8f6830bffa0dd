// The Responses API's SSE stream: `event: <type>` frames with a rising sequence_number, from
// response.created through the image_generation_call (with coarse partial images) and the message
// to response.completed; response.failed when the answer breaks after the stream has opened.

import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { ActiveFaults } from './faults.js';
import { writeChunk } from './http-io.js';
import { encode } from './openai-images.js';
import type { ImageCall, ResponsesAnswer } from './openai-responses-answer.js';
import { openAiSseEvent } from './wire-format.js';

type WireObject = Record<string, unknown>;

/** Numbers the events of one stream from 0, as OpenAI's sequence_number does. */
export class ResponsesEventStream {
  private sequence = 0;

  constructor(private readonly response: ServerResponse) {}

  open(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      ...headers,
    });
  }

  frame(type: string, fields: WireObject): string {
    return openAiSseEvent(type, { type, sequence_number: this.sequence++, ...fields });
  }

  async write(frames: readonly string[]): Promise<void> {
    for (const frame of frames) {
      if (this.response.destroyed) return;
      await writeChunk(this.response, frame);
    }
  }

  /** Writes the first frame and half of the second, then ends: the truncated-stream fault. */
  async writeTruncated(frames: readonly string[]): Promise<void> {
    const [first = '', second] = frames;
    if (second !== undefined) await writeChunk(this.response, first);
    const cut = second ?? first;
    await writeChunk(this.response, cut.slice(0, Math.floor(cut.length / 2)));
    this.response.end();
  }

  end(): void {
    this.response.end();
  }
}

/** Partial `index` of `count`: the final image shrunk (more for earlier partials), blurred, scaled back. */
async function partialImage(call: ImageCall, index: number, count: number): Promise<Buffer> {
  const metadata = await sharp(call.image).metadata();
  const width = metadata.width ?? 1024;
  const height = metadata.height ?? 1024;
  const shrink = 2 ** (count - index + 2);
  const small = await sharp(call.image)
    .resize(Math.max(1, Math.round(width / shrink)), Math.max(1, Math.round(height / shrink)))
    .blur(1)
    .png()
    .toBuffer();
  const coarse = await sharp(small).resize(width, height, { kernel: 'nearest' }).png().toBuffer();
  return encode(coarse, call.options.outputFormat, call.options.outputCompression);
}

async function imageCallFrames(stream: ResponsesEventStream, call: ImageCall): Promise<string[]> {
  const where = { output_index: 0, item_id: call.item.id };
  const frames = [
    stream.frame('response.output_item.added', {
      output_index: 0,
      item: { id: call.item.id, type: 'image_generation_call', status: 'in_progress' },
    }),
    stream.frame('response.image_generation_call.in_progress', where),
    stream.frame('response.image_generation_call.generating', where),
  ];
  for (let index = 0; index < call.options.partialImages; index++) {
    const partial = await partialImage(call, index, call.options.partialImages);
    frames.push(
      stream.frame('response.image_generation_call.partial_image', {
        ...where,
        partial_image_b64: partial.toString('base64'),
        partial_image_index: index,
        ...call.common,
      }),
    );
  }
  frames.push(
    stream.frame('response.image_generation_call.completed', where),
    stream.frame('response.output_item.done', { output_index: 0, item: call.item }),
  );
  return frames;
}

/** The text in a few deltas, split after spaces, as a model writes it. */
function textDeltas(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  const deltas: string[] = [];
  for (let index = 0; index < words.length; index += 4) deltas.push(words.slice(index, index + 4).join(''));
  return deltas.length > 0 ? deltas : [''];
}

function messageFrames(stream: ResponsesEventStream, answer: ResponsesAnswer, outputIndex: number): string[] {
  const itemId = answer.message.id;
  const where = { item_id: itemId, output_index: outputIndex, content_index: 0 };
  const part = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });
  return [
    stream.frame('response.output_item.added', {
      output_index: outputIndex,
      item: { id: itemId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    }),
    stream.frame('response.content_part.added', { ...where, part: part('') }),
    ...textDeltas(answer.text).map((delta) =>
      stream.frame('response.output_text.delta', { ...where, delta, logprobs: [] }),
    ),
    stream.frame('response.output_text.done', { ...where, text: answer.text, logprobs: [] }),
    stream.frame('response.content_part.done', { ...where, part: part(answer.text) }),
    stream.frame('response.output_item.done', { output_index: outputIndex, item: answer.message }),
  ];
}

/** Every frame after response.in_progress, ending with response.completed. */
export async function answerFrames(
  stream: ResponsesEventStream,
  answer: ResponsesAnswer,
  completed: WireObject,
): Promise<string[]> {
  const imageFrames = answer.imageCall ? await imageCallFrames(stream, answer.imageCall) : [];
  return [
    ...imageFrames,
    ...messageFrames(stream, answer, answer.imageCall ? 1 : 0),
    stream.frame('response.completed', { response: completed }),
  ];
}

/** Writes the frames, or cuts them as the truncated-stream fault says. */
export async function writeAnswer(
  stream: ResponsesEventStream,
  frames: readonly string[],
  faults: ActiveFaults,
): Promise<void> {
  if (faults.has('truncated-stream')) return stream.writeTruncated(frames);
  await stream.write(frames);
  stream.end();
}
