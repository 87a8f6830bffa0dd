import OpenAI from 'openai';
import type { Response as OpenAiResponse, ResponseStreamEvent } from 'openai/resources/responses/responses';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import type { UpstreamSim } from '../../src/sim/index.js';
import { drawPrompt, gptImageModel, useSim } from './helpers.js';

const mainlineModel = 'gpt-5';
const editText = 'change the background to blue';

function clientFor(sim: UpstreamSim, apiKey = 'sk-test'): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${sim.url}/v1`, maxRetries: 0 });
}

async function squareDataUrl(): Promise<string> {
  return `data:image/png;base64,${(await makeRetestImage()).toString('base64')}`;
}

interface ImageCallItem {
  id: string;
  type: 'image_generation_call';
  status: string;
  result: string;
  revised_prompt: string;
  size: string;
  quality: string;
  output_format: string;
  background: string;
  action: string;
}

function imageCallOf(response: OpenAiResponse): ImageCallItem | undefined {
  return response.output.find((item) => item.type === 'image_generation_call') as ImageCallItem | undefined;
}

/** The RGB of the image's top-left pixel. */
async function cornerPixel(base64: string): Promise<number[]> {
  const { data } = await sharp(Buffer.from(base64, 'base64')).raw().toBuffer({ resolveWithObject: true });
  return [data[0], data[1], data[2]];
}

function expectBlue([red, green, blue]: number[]): void {
  expect(blue).toBeGreaterThan(200);
  expect(red).toBeLessThan(60);
  expect(green).toBeLessThan(60);
}

/** What a rejected SDK call carried: status, param, code, message. */
async function failureOf(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (error: unknown) =>
      error as { status?: number; param?: string | null; code?: string | null; message: string },
  );
}

describe('upstream-sim Responses API', () => {
  it('edits an input image with the image_generation tool and returns a blue corner', async () => {
    const sim = await useSim({ apiKey: 'sk-test' });
    const response = await clientFor(sim).responses.create({
      model: mainlineModel,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: editText },
            { type: 'input_image', image_url: await squareDataUrl(), detail: 'auto' },
          ],
        },
      ],
      tools: [{ type: 'image_generation', quality: 'low' }],
    });
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: mainlineModel,
      store: true,
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{50}$/);
    expect(response.output.map((item) => item.type)).toEqual(['image_generation_call', 'message']);
    const call = imageCallOf(response);
    expect(call).toMatchObject({ status: 'completed', action: 'edit', output_format: 'png', quality: 'low' });
    expect(call?.id).toMatch(/^ig_/);
    expect(call?.revised_prompt).toBe(editText);
    expectBlue(await cornerPixel(String(call?.result)));
    expect(response.output_text.length).toBeGreaterThan(0);
    const toolUsage = (response as unknown as { tool_usage: { image_gen: Record<string, unknown> } })
      .tool_usage;
    expect(toolUsage.image_gen).toMatchObject({
      input_tokens_details: { image_tokens: 388, text_tokens: 8 },
      output_tokens: 272,
      output_tokens_details: { image_tokens: 272, text_tokens: 0 },
    });
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    expect(sim.received[0]).toMatchObject({ method: 'POST', path: '/v1/responses', model: mainlineModel });
  });

  it('edits the previous output when a follow-up names previous_response_id', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const tools = [
      { type: 'image_generation' as const, quality: 'low' as const, output_format: 'webp' as const },
    ];
    const first = await client.responses.create({ model: mainlineModel, input: drawPrompt, tools });
    const drawn = imageCallOf(first);
    expect(drawn?.action).toBe('generate');
    expect((await sharp(Buffer.from(String(drawn?.result), 'base64')).metadata()).format).toBe('webp');
    const second = await client.responses.create({
      model: mainlineModel,
      input: editText,
      previous_response_id: first.id,
      tools,
    });
    expect(second.previous_response_id).toBe(first.id);
    const edited = imageCallOf(second);
    expect(edited?.action).toBe('edit');
    expectBlue(await cornerPixel(String(edited?.result)));
    const retrieved = await client.responses.retrieve(second.id);
    expect(retrieved.id).toBe(second.id);
    expect(imageCallOf(retrieved)?.result).toBe(edited?.result);
  });

  it('edits an earlier image_generation_call named by id in the input', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const tools = [{ type: 'image_generation' as const, quality: 'low' as const }];
    const first = await client.responses.create({ model: mainlineModel, input: drawPrompt, tools });
    const callId = String(imageCallOf(first)?.id);
    const second = await client.responses.create({
      model: mainlineModel,
      input: [{ type: 'image_generation_call', id: callId } as never, { role: 'user', content: editText }],
      tools,
    });
    expectBlue(await cornerPixel(String(imageCallOf(second)?.result)));
  });

  it('answers an instruction the engine cannot follow with a completed text-only message', async () => {
    const sim = await useSim();
    const response = await clientFor(sim).responses.create({
      model: mainlineModel,
      input: 'write me a sonnet about databases',
      tools: [{ type: 'image_generation' }],
    });
    expect(response.status).toBe('completed');
    expect(response.output.map((item) => item.type)).toEqual(['message']);
    expect(response.output_text).toMatch(/^I couldn't make that image: /);
  });

  it('answers text only when tool_choice is none', async () => {
    const sim = await useSim();
    const response = await clientFor(sim).responses.create({
      model: mainlineModel,
      input: drawPrompt,
      tools: [{ type: 'image_generation' }],
      tool_choice: 'none',
    });
    expect(response.output.map((item) => item.type)).toEqual(['message']);
  });
});

describe('upstream-sim Responses API streaming', () => {
  it('streams the events in OpenAI order with sequence numbers from 0 and two partial images', async () => {
    const sim = await useSim();
    const stream = clientFor(sim).responses.stream({
      model: mainlineModel,
      input: drawPrompt,
      tools: [{ type: 'image_generation', quality: 'low', partial_images: 2 }],
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    const types = events.map((event) => event.type);
    const textEvents = types.filter((type) => type === 'response.output_text.delta');
    expect(textEvents.length).toBeGreaterThan(0);
    expect(types.filter((type) => type !== 'response.output_text.delta')).toEqual([
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
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const partials = events.filter((event) => event.type === 'response.image_generation_call.partial_image');
    expect(partials.map((event) => event.partial_image_index)).toEqual([0, 1]);
    expect(partials[0]).toMatchObject({ output_index: 0, size: '1024x1024', output_format: 'png' });
    const partialSize = await sharp(Buffer.from(partials[0].partial_image_b64, 'base64')).metadata();
    expect(`${partialSize.width}x${partialSize.height}`).toBe('1024x1024');
    expect(imageCallOf(final)?.result).toBeTruthy();
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.status).toBe('completed');
    const stored = await clientFor(sim).responses.retrieve(final.id);
    expect(stored.output_text).toBe(final.output_text);
  });

  it('names each SSE frame by its type and ends with response.completed', async () => {
    const sim = await useSim();
    const response = await fetch(`${sim.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: mainlineModel, input: 'write a haiku', stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = (await response.text()).split('\n\n').filter((frame) => frame.length > 0);
    const parsed = frames.map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
    });
    for (const frame of parsed) expect(frame.data.type).toBe(frame.event);
    expect(parsed.at(-1)?.event).toBe('response.completed');
    expect(parsed.some((frame) => frame.event.startsWith('response.image_generation_call'))).toBe(false);
  });

  it('cuts the stream in the middle of a frame for truncated-stream', async () => {
    const sim = await useSim({ faults: ['truncated-stream'] });
    const response = await fetch(`${sim.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: mainlineModel,
        input: drawPrompt,
        stream: true,
        tools: [{ type: 'image_generation' }],
      }),
    });
    const text = await response.text();
    expect(text).toContain('event: response.created');
    expect(text).not.toContain('response.completed');
    expect(text.endsWith('\n\n')).toBe(false);
  });
});

describe('upstream-sim Responses API errors and store', () => {
  it('names the bad parameter in each 400', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const cases: [Record<string, unknown>, string][] = [
      [{ input: drawPrompt, tools: [{ type: 'paint_brush' }] }, 'tools[0].type'],
      [{ tools: [{ type: 'image_generation' }] }, 'input'],
      [
        { input: drawPrompt, tools: [{ type: 'image_generation', partial_images: 4 }] },
        'tools[0].partial_images',
      ],
      [
        {
          input: drawPrompt,
          tools: [{ type: 'image_generation', background: 'transparent', output_format: 'jpeg' }],
        },
        'tools[0].background',
      ],
      [
        {
          input: [
            { role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] },
          ],
        },
        'input[0].content[0].image_url',
      ],
    ];
    for (const [body, param] of cases) {
      const failure = await failureOf(client.responses.create({ model: mainlineModel, ...body } as never));
      expect([failure?.status, failure?.param]).toEqual([400, param]);
    }
    const unknown = await failureOf(
      client.responses.create({ model: mainlineModel, input: 'again', previous_response_id: 'resp_x' }),
    );
    expect(unknown).toMatchObject({ status: 400, param: 'previous_response_id' });
    expect(unknown?.message).toContain("Previous response with id 'resp_x' not found.");
  });

  it('answers 404 to another key and forgets a deleted or unstored response', async () => {
    const sim = await useSim();
    const owner = clientFor(sim, 'sk-owner');
    const other = clientFor(sim, 'sk-other');
    const made = await owner.responses.create({ model: mainlineModel, input: 'hello' });
    const denied = await fetch(`${sim.url}/v1/responses/${made.id}`, {
      headers: { authorization: 'Bearer sk-other' },
    });
    expect(denied.status).toBe(404);
    expect(await denied.json()).toEqual({
      error: {
        message: `Response with id '${made.id}' not found.`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    expect((await failureOf(other.responses.delete(made.id)))?.status).toBe(404);
    const deleted = await fetch(`${sim.url}/v1/responses/${made.id}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer sk-owner' },
    });
    expect(await deleted.json()).toEqual({ id: made.id, object: 'response', deleted: true });
    expect((await failureOf(owner.responses.retrieve(made.id)))?.status).toBe(404);
    const unstored = await owner.responses.create({ model: mainlineModel, input: 'hello', store: false });
    expect(unstored).toMatchObject({ store: false });
    expect((await failureOf(owner.responses.retrieve(unstored.id)))?.status).toBe(404);
  });

  it('answers an unlisted image model with model_not_found', async () => {
    const sim = await useSim();
    const failure = await failureOf(
      clientFor(sim).responses.create({
        model: mainlineModel,
        input: drawPrompt,
        tools: [{ type: 'image_generation', model: 'gpt-image-1' }],
      }),
    );
    expect(failure).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('applies 503, no-image and usage-drift faults', async () => {
    const sim = await useSim({ faults: ['503'] });
    const client = clientFor(sim);
    const request = {
      model: mainlineModel,
      input: drawPrompt,
      tools: [{ type: 'image_generation' as const, quality: 'low' as const, model: gptImageModel }],
    };
    expect((await failureOf(client.responses.create(request)))?.status).toBe(503);
    sim.setFaults(['no-image']);
    const empty = await client.responses.create(request);
    expect(empty.output.map((item) => item.type)).toEqual(['message']);
    sim.setFaults(['usage-drift:2']);
    const drifted = (await client.responses.create(request)) as unknown as {
      tool_usage: { image_gen: { output_tokens: number } };
    };
    expect(drifted.tool_usage.image_gen.output_tokens).toBe(544);
  });
});
