// Responses pass-through on real HTTP: a text model with the image tool goes as-is to upstream-sim
// channels that list it in responsesModels; billed exactly, failed over, streamed.
import { describe, expect, it } from 'vitest';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import {
  clientOf,
  expectedCharge,
  imageCallsOf,
  imageModelId,
  logRow,
  toolModels,
  usePassThroughGateway,
} from '../helpers/pass-through-kit.js';
import { createClientKey } from '../../src/store/index.js';

const kit = usePassThroughGateway();

describe('responses.create with a text model and the image tool', () => {
  it('relays the request as-is and charges exactly the usage and tool usage of the answer', async () => {
    const { data, response } = await clientOf(kit.gateway)
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a red circle on a white background',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-primary');
    const [call] = imageCallsOf(data);
    expect(Buffer.from(call.result, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const [sent] = toolModels(kit.primary);
    expect(sent.model).toBe('gpt-sim-text');
    expect(sent.input).toBe('Draw a red circle on a white background');
    // The tool's default, gpt-image-1, is served by its successor; the upstream is told which.
    expect(sent.tools).toEqual([{ type: 'image_generation', model: imageModelId }]);
    expect(kit.primary.received[0].headers.authorization).toBe('Bearer sim-key-text-primary');

    const row = await logRow(kit.gateway, response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ door: 'openai-responses', model: imageModelId, status: 200, images_out: 1 });
    expect(row.charged_micros).toBe(expectedCharge(kit.gateway, data));
    expect(row.charged_micros).toBeGreaterThan(0);
  });

  it('fails over to the next channel when the first answers 503, before anything reached the client', async () => {
    kit.primary.setFaults(['503']);
    const { data, response } = await clientOf(kit.gateway)
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a blue square',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    expect(imageCallsOf(data)).toHaveLength(1);
    expect(toolModels(kit.primary)).toHaveLength(1);
    const row = await logRow(kit.gateway, response.headers.get('x-request-id') ?? '');
    expect(row.attempts).toBe(2);
    expect(row.charged_micros).toBe(expectedCharge(kit.gateway, data));
    // Stored where it was made: the kit.secondary answers the GET.
    kit.primary.setFaults([]);
    const stored = await clientOf(kit.gateway).responses.retrieve(data.id);
    expect(stored.id).toBe(data.id);
    expect(kit.secondary.received.some((request) => request.method === 'GET')).toBe(true);
  });

  it('passes an upstream 400 back with its param and charges nothing', async () => {
    const answer = await fetch(`${kit.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kit.gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-sim-text', tools: [{ type: 'image_generation' }] }),
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('input');
    expect(body.error.message.length).toBeGreaterThan(0);
    // A caller's mistake is final: no failover to the kit.secondary.
    expect(toolModels(kit.secondary)).toHaveLength(0);
    const row = await logRow(kit.gateway, answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 400, charged_micros: 0 });
  });

  it('refuses a tool model the catalog does not know, naming tools[0].model', async () => {
    await expect(
      clientOf(kit.gateway).responses.create({
        model: 'gpt-sim-text',
        input: 'Draw',
        tools: [{ type: 'image_generation', model: 'no-such-image-model' as 'gpt-image-1' }],
      }),
    ).rejects.toMatchObject({ status: 404, param: 'tools[0].model' });
    expect(toolModels(kit.primary)).toHaveLength(0);
  });
});

describe('a stream of a text model with the image tool', () => {
  it('relays the upstream events unchanged and in order, and charges the completed usage', async () => {
    const body = {
      model: 'gpt-sim-text',
      input: 'Draw a green triangle',
      stream: true,
      tools: [{ type: 'image_generation', partial_images: 1 }],
    };
    const answer = await fetch(`${kit.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kit.gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    const text = await answer.text();
    const frames = text
      .split('\n\n')
      .filter((frame) => frame.trim() !== '')
      .map((frame) => {
        const [eventLine, dataLine] = frame.split('\n');
        return {
          event: eventLine.slice('event: '.length),
          data: JSON.parse(dataLine.slice('data: '.length)),
        };
      });
    expect(frames.map((frame) => frame.data.sequence_number)).toEqual(frames.map((_, index) => index));
    for (const frame of frames) expect(frame.data.type).toBe(frame.event);

    // The same request straight to the sim: the same events in the same order.
    const direct = await fetch(`${kit.primary.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sim-key-text-primary', 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, tools: [{ ...body.tools[0], model: imageModelId }] }),
    });
    const directEvents = (await direct.text())
      .split('\n\n')
      .filter((frame) => frame.trim() !== '')
      .map((frame) => frame.split('\n')[0]);
    expect(frames.map((frame) => `event: ${frame.event}`)).toEqual(directEvents);
    expect(frames.map((frame) => frame.event)).toContain('response.image_generation_call.partial_image');

    const completed = frames.at(-1)?.data.response;
    expect(frames.at(-1)?.event).toBe('response.completed');
    const row = await logRow(kit.gateway, answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 200, images_out: 1, stream: 1 });
    expect(row.charged_micros).toBe(expectedCharge(kit.gateway, completed));
    // The completed response is stored: GET reaches the channel that made it.
    const stored = await clientOf(kit.gateway).responses.retrieve(completed.id);
    expect(stored.status).toBe('completed');
  });
});

describe('responses.stream of the openai SDK on a text model', () => {
  it('assembles the relayed events into the final response with its image', async () => {
    const stream = clientOf(kit.gateway).responses.stream({
      model: 'gpt-sim-text',
      input: 'Draw a red circle on a white background',
      tools: [{ type: 'image_generation', partial_images: 1 }],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(types).toContain('response.image_generation_call.partial_image');
    const [call] = imageCallsOf(final);
    expect(Buffer.from(call.result, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('a pass-through stream cut short', () => {
  it('ends the client stream and charges nothing when no image went out', async () => {
    kit.primary.setFaults(['truncated-stream']);
    const answer = await fetch(`${kit.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kit.gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-sim-text',
        input: 'Draw a green triangle',
        stream: true,
        tools: [{ type: 'image_generation' }],
      }),
    });
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).toContain('event: response.created');
    expect(text).not.toContain('event: response.completed');
    // The kit.gateway says the stream broke off, continuing the upstream's sequence numbers.
    const frames = text.trim().split('\n\n');
    const dataOf = (frame: string) => JSON.parse(frame.split('\n')[1].slice('data: '.length));
    const last = frames.at(-1) ?? '';
    expect(last.split('\n')[0]).toBe('event: error');
    expect(dataOf(last)).toMatchObject({
      type: 'error',
      code: 'upstream_malformed',
      sequence_number: dataOf(frames.at(-2) ?? '').sequence_number + 1,
    });
    const row = await logRow(kit.gateway, answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 502, charged_micros: 0, images_out: 0 });
  });

  it('refuses background mode, which would finish after the request is billed', async () => {
    await expect(
      clientOf(kit.gateway).responses.create({ model: 'gpt-sim-text', input: 'Draw', background: true }),
    ).rejects.toMatchObject({ status: 400, param: 'background' });
    expect(toolModels(kit.primary)).toHaveLength(0);
  });
});

describe('a key with a spend limit', () => {
  it('holds before the upstream call and releases all but the exact charge', async () => {
    const limited = await createClientKey(kit.gateway.running.gateway.database.db, {
      name: 'limited-client',
      spendLimitMicros: 50_000_000,
    });
    const { data, response } = await clientOf(kit.gateway, limited.key)
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a circle',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    const requestId = response.headers.get('x-request-id') ?? '';
    const row = await logRow(kit.gateway, requestId);
    const hold = await kit.gateway.running.gateway.database.db
      .selectFrom('holds')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(hold.state).not.toBe('open');
    expect(hold.amount_micros).toBeGreaterThan(row.charged_micros);
    expect(row.charged_micros).toBe(expectedCharge(kit.gateway, data));
    const totals = await billingTotals(kit.gateway.running.gateway.database, limited.record.id);
    expectBalanced(totals);
    expect(totals.spent).toBe(row.charged_micros);
  });
});
