import { GoogleGenAI, type Interactions } from '@google/genai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeRetestImage } from '../../src/health/retest-template.js';
import type { UpstreamSim } from '../../src/sim/index.js';
import { drawPrompt, flashModel, useSim } from './helpers.js';

const editText = 'change the background to blue';
const noRetries = { maxRetries: 0 };

function clientFor(sim: UpstreamSim, apiKey = 'test-key'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim.url } });
}

async function squareBase64(): Promise<string> {
  return (await makeRetestImage()).toString('base64');
}

type Step = Interactions.Step;
type Content = Interactions.Content;

function outputContent(steps: readonly Step[]): Content[] {
  const output = steps.filter((step) => step.type === 'model_output');
  return output.flatMap((step) => (step as Interactions.ModelOutputStep).content ?? []);
}

function imageOf(steps: readonly Step[]): Interactions.ImageContent | undefined {
  return outputContent(steps).find((content) => content.type === 'image') as
    | Interactions.ImageContent
    | undefined;
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

/** What a rejected SDK call carried: the HTTP status and Google's error envelope. */
async function failureOf(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (error: unknown) =>
      error as { status?: number; message: string; error?: { error?: { code: number; status: string } } },
  );
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('upstream-sim Interactions API', () => {
  it('edits the square PNG sent as input content and returns a blue corner', async () => {
    const sim = await useSim({ apiKey: 'test-key' });
    const interaction = await clientFor(sim).interactions.create({
      model: flashModel,
      input: [
        { type: 'text', text: editText },
        { type: 'image', data: await squareBase64(), mime_type: 'image/png' },
      ],
    });
    expect(interaction).toMatchObject({ status: 'completed', model: flashModel });
    expect(interaction.id).toMatch(/^[\w-]{24}$/);
    expect(interaction.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(interaction.steps.map((step) => step.type)).toEqual(['thought', 'model_output']);
    expect(outputContent(interaction.steps).map((content) => content.type)).toEqual(['text', 'image']);
    const image = imageOf(interaction.steps);
    expect(image?.mime_type).toBe('image/png');
    expectBlue(await cornerPixel(String(image?.data)));
    expect(interaction.output_image?.data).toBe(image?.data);
    const usage = interaction.usage ?? {};
    expect(usage.output_tokens_by_modality).toContainEqual({ modality: 'image', tokens: 1120 });
    expect(usage.input_tokens_by_modality).toContainEqual({ modality: 'image', tokens: 560 });
    expect(usage.total_thought_tokens).toBe(200);
    expect(usage.total_tokens).toBe(
      (usage.total_input_tokens ?? 0) + (usage.total_output_tokens ?? 0) + (usage.total_thought_tokens ?? 0),
    );
    expect(sim.received[0]).toMatchObject({
      method: 'POST',
      path: '/v1beta/interactions',
      model: flashModel,
    });
    expect(sim.received[0].headers['x-goog-api-key']).toBe('test-key');
  });

  it('edits the first output when the second turn names previous_interaction_id', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const first = await client.interactions.create({ model: flashModel, input: drawPrompt });
    const drawn = imageOf(first.steps);
    expect(await cornerPixel(String(drawn?.data))).toEqual([255, 255, 255]);
    const second = await client.interactions.create({
      model: flashModel,
      input: editText,
      previous_interaction_id: first.id,
      response_modalities: ['image'],
    });
    expect(second.previous_interaction_id).toBe(first.id);
    expect(outputContent(second.steps).map((content) => content.type)).toEqual(['image']);
    const edited = imageOf(second.steps);
    expectBlue(await cornerPixel(String(edited?.data)));
    const size = await sharp(Buffer.from(String(edited?.data), 'base64')).metadata();
    expect(`${size.width}x${size.height}`).toBe('1024x1024');
    // The history is read as input: the first turn's output image counts in the prompt.
    expect(second.usage?.input_tokens_by_modality).toContainEqual({ modality: 'image', tokens: 560 });
  });

  it('reads a stateless conversation sent as steps and edits its model_output image', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const first = await client.interactions.create({ model: flashModel, input: drawPrompt, store: false });
    const interaction = await client.interactions.create({
      model: flashModel,
      store: false,
      input: [
        { type: 'user_input', content: [{ type: 'text', text: drawPrompt }] },
        ...first.steps,
        { type: 'user_input', content: [{ type: 'text', text: editText }] },
      ],
    });
    expectBlue(await cornerPixel(String(imageOf(interaction.steps)?.data)));
    expect(await failureOf(client.interactions.get(first.id, undefined, noRetries))).toMatchObject({
      status: 404,
    });
  });

  it('returns the whole timeline on GET, and 404 to another key and after DELETE', async () => {
    const sim = await useSim();
    const owner = clientFor(sim, 'key-a');
    const stranger = clientFor(sim, 'key-b');
    const created = await owner.interactions.create({ model: flashModel, input: drawPrompt });
    const fetched = await owner.interactions.get(created.id, { include_input: true });
    expect(fetched.steps.map((step) => step.type)).toEqual(['user_input', 'thought', 'model_output']);
    expect(fetched.input).toBe(drawPrompt);
    expect(imageOf(fetched.steps)?.data).toBe(imageOf(created.steps)?.data);

    const hidden = await failureOf(stranger.interactions.get(created.id, undefined, noRetries));
    expect(hidden?.status).toBe(404);
    expect(hidden?.error?.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(await failureOf(stranger.interactions.delete(created.id, undefined, noRetries))).toMatchObject({
      status: 404,
    });
    const chained = await failureOf(
      stranger.interactions.create(
        { model: flashModel, input: editText, previous_interaction_id: created.id },
        noRetries,
      ),
    );
    expect(chained?.status).toBe(400);

    expect(await owner.interactions.delete(created.id)).toBeUndefined();
    expect(await failureOf(owner.interactions.get(created.id, undefined, noRetries))).toMatchObject({
      status: 404,
    });
  });

  it('reads the older role/content turns and a single content object', async () => {
    const sim = await useSim();
    const post = (body: unknown) =>
      fetch(`${sim.url}/v1beta/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
        body: JSON.stringify(body),
      });
    const square = await squareBase64();
    const turns = await post({
      model: flashModel,
      input: [
        { role: 'user', content: [{ type: 'image', data: square, mime_type: 'image/png' }] },
        { role: 'model', content: 'I see a square.' },
        { role: 'user', content: editText },
      ],
    });
    expect(turns.status).toBe(200);
    expect(turns.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const answered = (await turns.json()) as { steps: Step[] };
    expectBlue(await cornerPixel(String(imageOf(answered.steps)?.data)));
    const single = await post({ model: flashModel, input: { type: 'text', text: drawPrompt } });
    expect(imageOf(((await single.json()) as { steps: Step[] }).steps)).toBeDefined();
  });

  it('answers the Gemini 404 for an unlisted model and 400 for a bad content type', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const gone = await failureOf(
      client.interactions.create({ model: 'gemini-2.5-flash-image', input: drawPrompt }, noRetries),
    );
    expect(gone?.status).toBe(404);
    expect(gone?.message).toMatch(/^404 models\/gemini-2.5-flash-image is not found/);
    const audio = await failureOf(
      client.interactions.create(
        { model: flashModel, input: [{ type: 'audio', data: 'AAAA', mime_type: 'audio/wav' }] },
        noRetries,
      ),
    );
    expect(audio?.status).toBe(400);
    expect(audio?.message).toMatch(/^400 input\[0\]\.type "audio"/);
  });

  it('answers 400 naming the field for an image size the model does not offer', async () => {
    const sim = await useSim();
    const failure = await failureOf(
      clientFor(sim).interactions.create(
        { model: flashModel, input: drawPrompt, response_format: { type: 'image', image_size: '8K' } },
        noRetries,
      ),
    );
    expect(failure?.status).toBe(400);
    expect(failure?.message).toMatch(/Invalid image size "8K"/);
  });
});

describe('upstream-sim Interactions API streaming', () => {
  it('streams created, each step as start, deltas and stop, then completed', async () => {
    const sim = await useSim();
    const client = clientFor(sim);
    const stream = await client.interactions.create({
      model: flashModel,
      input: [
        { type: 'text', text: editText },
        { type: 'image', data: await squareBase64(), mime_type: 'image/png' },
      ],
      stream: true,
    });
    const events = await collect(stream);
    expect(events.map((event) => event.event_type)).toEqual([
      'interaction.created',
      'step.start',
      'step.delta',
      'step.stop',
      'step.start',
      'step.delta',
      'step.delta',
      'step.stop',
      'interaction.completed',
    ]);
    const starts = events.filter((event) => event.event_type === 'step.start') as Interactions.StepStart[];
    expect(starts.map((event) => [event.index, event.step.type])).toEqual([
      [0, 'thought'],
      [1, 'model_output'],
    ]);
    const deltas = events.filter((event) => event.event_type === 'step.delta') as Interactions.StepDelta[];
    expect(deltas.map((event) => event.delta.type)).toEqual(['thought_signature', 'text', 'image']);
    const imageDelta = deltas[2].delta as { data: string; mime_type: string };
    expect(imageDelta.mime_type).toBe('image/png');
    expectBlue(await cornerPixel(imageDelta.data));
    const created = events[0] as Interactions.InteractionCreatedEvent;
    const completed = events.at(-1) as Interactions.InteractionCompletedEvent;
    expect(created.interaction).toMatchObject({ status: 'in_progress', model: flashModel });
    expect(completed.interaction).toMatchObject({ id: created.interaction.id, status: 'completed' });
    expect(completed.interaction.steps).toBeUndefined();
    expect(completed.interaction.usage?.output_tokens_by_modality).toContainEqual({
      modality: 'image',
      tokens: 1120,
    });

    const replay = await collect(await client.interactions.get(created.interaction.id, { stream: true }));
    expect(replay).toEqual(events);
  });

  it('puts event lines, JSON data and a [DONE] frame on the wire', async () => {
    const sim = await useSim();
    const response = await fetch(`${sim.url}/v1beta/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
      body: JSON.stringify({ model: flashModel, input: drawPrompt, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await response.text()).split('\n\n');
    expect(frames.pop()).toBe('');
    expect(frames.at(-1)).toBe('event: done\ndata: [DONE]');
    for (const frame of frames.slice(0, -1)) {
      const [eventLine, dataLine] = frame.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length));
      expect(eventLine).toBe(`event: ${data.event_type}`);
      expect(typeof data.event_id).toBe('string');
    }
  });

  it('carries an 8 MB image intact through the SDK stream parser', async () => {
    const sim = await useSim({ imageBytes: 8 * 1024 * 1024 });
    const client = clientFor(sim);
    const events = await collect(
      await client.interactions.create({ model: flashModel, input: drawPrompt, stream: true }),
    );
    const deltas = events.filter((event) => event.event_type === 'step.delta') as Interactions.StepDelta[];
    const image = deltas.find((event) => event.delta.type === 'image')?.delta as { data: string };
    const bytes = Buffer.from(image.data, 'base64');
    expect(bytes.length).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect((await sharp(bytes).metadata()).format).toBe('png');
    const id = (events[0] as Interactions.InteractionCreatedEvent).interaction.id;
    const stored = await client.interactions.get(id);
    expect(imageOf(stored.steps)?.data).toBe(image.data);
  });
});

describe('upstream-sim Interactions API faults', () => {
  it('answers 503 UNAVAILABLE and 429 RESOURCE_EXHAUSTED in Google envelopes', async () => {
    const sim = await useSim({ faults: ['503', '429'] });
    const client = clientFor(sim);
    const overloaded = await failureOf(
      client.interactions.create({ model: flashModel, input: drawPrompt }, noRetries),
    );
    expect(overloaded?.status).toBe(503);
    expect(overloaded?.error?.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    const exhausted = await failureOf(
      client.interactions.create({ model: flashModel, input: drawPrompt }, noRetries),
    );
    expect(exhausted?.status).toBe(429);
    expect(exhausted?.error?.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
  });

  it('answers text only under no-image and scales image tokens under usage-drift', async () => {
    const sim = await useSim({ faults: ['no-image'] });
    const client = clientFor(sim);
    const refused = await client.interactions.create({ model: flashModel, input: drawPrompt });
    expect(refused.status).toBe('completed');
    expect(outputContent(refused.steps).map((content) => content.type)).toEqual(['text']);
    expect(refused.output_image).toBeUndefined();
    sim.setFaults(['usage-drift:2']);
    const drifted = await client.interactions.create({ model: flashModel, input: drawPrompt });
    expect(drifted.usage?.output_tokens_by_modality).toContainEqual({ modality: 'image', tokens: 2240 });
  });

  it('ends a truncated stream after the first event, without interaction.completed', async () => {
    const sim = await useSim({ faults: ['truncated-stream'] });
    const events = await collect(
      await clientFor(sim).interactions.create({ model: flashModel, input: drawPrompt, stream: true }),
    ).catch((error: unknown) => error);
    const received = Array.isArray(events) ? events : [];
    expect(received.map((event) => event.event_type)).toEqual(['interaction.created']);
  });

  it('delays the answer under latency', async () => {
    const sim = await useSim({ faults: ['latency:300ms'] });
    const started = Date.now();
    await clientFor(sim).interactions.create({ model: flashModel, input: drawPrompt });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
