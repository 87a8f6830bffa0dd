// Canonical stream chunks → the Interactions SSE frames: the event order the SDK reads, a thought
// step closed before the model output, whole images in one delta, the summary event, the error frame.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import type { InteractionMeta } from '../../../src/doors/gemini-interactions/from-canonical.js';
import {
  doneFrame,
  type Frame,
  InteractionStreamAssembler,
} from '../../../src/doors/gemini-interactions/stream-reply.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/gemini-interactions-answer.json', import.meta.url), 'utf8'),
) as { meta: InteractionMeta; chunks: GenerateContentResponse[] };
const { meta, chunks } = fixture;

/** The SSE text of frames, and the JSON of each `data:` line ([DONE] left as the string). */
function events(frames: Frame[]): { text: string; data: unknown[] } {
  const text = frames.map((frame) => Buffer.concat(frame).toString('utf8')).join('');
  const data = text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const line =
        block
          .split('\n')
          .find((entry) => entry.startsWith('data: '))
          ?.slice(6) ?? '';
      return line === '[DONE]' ? line : JSON.parse(line);
    });
  return { text, data };
}

function streamOf(responses: readonly GenerateContentResponse[]) {
  const assembler = new InteractionStreamAssembler(meta);
  const frames = [...assembler.start(), ...responses.flatMap((response) => assembler.onEvent(response))];
  const finished = assembler.finish(responses.at(-1)?.usageMetadata);
  return { assembler, finished, ...events([...frames, ...finished.frames]) };
}

describe('Interactions stream frames', () => {
  it('sends created, the thought step, then the model_output step, completed and [DONE] in order', () => {
    const { data } = streamOf(chunks);
    expect(
      data.map((event) => (typeof event === 'string' ? event : (event as { event_type: string }).event_type)),
    ).toEqual([
      'interaction.created',
      'step.start',
      'step.delta',
      'step.delta',
      'step.delta',
      'step.stop',
      'step.start',
      'step.delta',
      'step.delta',
      'step.stop',
      'interaction.completed',
      '[DONE]',
    ]);
    expect(data.slice(1, 10)).toEqual([
      { event_type: 'step.start', index: 0, step: { type: 'thought' } },
      {
        event_type: 'step.delta',
        index: 0,
        delta: { type: 'thought_summary', content: { type: 'text', text: 'Planning the blue corner.' } },
      },
      {
        event_type: 'step.delta',
        index: 0,
        delta: {
          type: 'thought_summary',
          content: { type: 'image', mime_type: 'image/png', data: 'RFJBRlQ=' },
        },
      },
      { event_type: 'step.delta', index: 0, delta: { type: 'thought_signature', signature: 'c2lnLTE=' } },
      { event_type: 'step.stop', index: 0 },
      { event_type: 'step.start', index: 1, step: { type: 'model_output' } },
      { event_type: 'step.delta', index: 1, delta: { type: 'text', text: 'Here is the edited image.' } },
      {
        event_type: 'step.delta',
        index: 1,
        delta: { type: 'image', mime_type: 'image/png', data: 'RklOQUw=' },
      },
      { event_type: 'step.stop', index: 1 },
    ]);
  });

  it('opens with an in_progress Interaction and closes with the completed one without its steps', () => {
    const { data, finished } = streamOf(chunks);
    expect(data[0]).toMatchObject({
      event_type: 'interaction.created',
      interaction: { id: meta.id, status: 'in_progress', model: meta.model, created: meta.created },
    });
    const completed = data.at(-2) as { interaction: Record<string, unknown> };
    expect(completed.interaction).toMatchObject({
      id: meta.id,
      status: 'completed',
      usage: {
        total_input_tokens: 270,
        total_output_tokens: 1130,
        total_thought_tokens: 200,
        total_tokens: 1600,
      },
    });
    expect(completed.interaction.steps).toBeUndefined();
    // What is stored for GET and continuation has the steps, the same as a unary answer's.
    expect(finished.interaction.steps?.map((step) => step.type)).toEqual(['thought', 'model_output']);
    expect(finished.interaction.steps?.[0].signature).toBe('c2lnLTE=');
  });

  it('frames each event as one data line and ends with event: done', () => {
    const { text } = streamOf(chunks);
    expect(text.startsWith('data: {"event_type":"interaction.created"')).toBe(true);
    expect(text.endsWith('event: done\ndata: [DONE]\n\n')).toBe(true);
  });

  it('counts only model_output images as sent images', () => {
    const { assembler } = streamOf(chunks);
    expect(assembler.images).toBe(1);
  });

  it('opens the model_output step at index 0 when the model did not think', () => {
    const { data } = streamOf([chunks[3]]);
    expect(data[1]).toEqual({ event_type: 'step.start', index: 0, step: { type: 'model_output' } });
    expect(
      data.filter((event) => (event as { event_type?: string }).event_type === 'step.start'),
    ).toHaveLength(1);
  });

  it('keeps a signature that arrives after the output began out of the stream', () => {
    const late = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'b', thoughtSignature: 'bGF0ZQ==' }] }, index: 0 },
      ],
    } as GenerateContentResponse;
    const early = {
      candidates: [{ content: { role: 'model', parts: [{ text: 'a' }] }, index: 0 }],
    } as GenerateContentResponse;
    const { data } = streamOf([early, late]);
    expect(JSON.stringify(data)).not.toContain('thought_signature');
    expect(
      data.filter((event) => (event as { event_type?: string }).event_type === 'step.start'),
    ).toHaveLength(1);
  });

  it('sends an error frame and [DONE] when the stream fails after it began', () => {
    const assembler = new InteractionStreamAssembler(meta);
    const { data, text } = events(
      assembler.failed({ code: 'UNAVAILABLE', message: 'The model is overloaded.' }),
    );
    expect(data).toEqual([
      { event_type: 'error', error: { code: 'UNAVAILABLE', message: 'The model is overloaded.' } },
      '[DONE]',
    ]);
    expect(text.endsWith(Buffer.concat(doneFrame).toString('utf8'))).toBe(true);
  });
});
