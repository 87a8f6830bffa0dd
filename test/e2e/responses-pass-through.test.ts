// Responses pass-through on real HTTP: a text model with the image tool goes as-is to upstream-sim
// channels that list it in responsesModels; billed exactly, failed over, stored ids kept per channel.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  imageGenerationUsageOf,
  passThroughCharge,
  responsesUsageOf,
} from '../../src/billing/pass-through-cost.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { billingTotals, expectBalanced } from '../helpers/billing-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let primary: UpstreamSim;
let secondary: UpstreamSim;
let gateway: TestGateway;
let otherKey: string;

/** gpt-sim-text at $1.25 / $0.125 cached / $10 per 1M tokens. */
const textPricing = { input: 1250, cachedInput: 125, output: 10000 };
const imageModelId = 'gpt-image-2.6-sunburst';

function channelYaml(name: string, url: string, priority: number): string {
  return `  - name: ${name}
    provider: openai-compatible
    baseUrl: ${url}
    apiKeys: ["sim-key-${name}"]
    models: [gpt-image-2]
    priority: ${priority}
    responsesModels:
      - id: gpt-sim-text
        inputUsdPerMillion: "1.25"
        cachedInputUsdPerMillion: "0.125"
        outputUsdPerMillion: "10"
        maxOutputTokens: 4000
`;
}

beforeAll(async () => {
  primary = await startUpstreamSim({ port: 0 });
  secondary = await startUpstreamSim({ port: 0 });
  gateway = await startTestGateway({
    configYaml: `channels:\n${channelYaml('text-primary', primary.url, 10)}${channelYaml('text-secondary', secondary.url, 0)}`,
  });
  otherKey = (await createClientKey(gateway.running.gateway.database.db, { name: 'other-client' })).key;
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
  await secondary.close();
});
beforeEach(() => {
  primary.reset();
  secondary.reset();
  primary.setFaults([]);
});

function client(key = gateway.key): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

async function logRow(requestId: string) {
  await gateway.settled();
  return gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
}

function imageCallsOf(response: { output: unknown[] }) {
  return response.output.filter(
    (item): item is { type: 'image_generation_call'; result: string; status: string } =>
      (item as { type?: string }).type === 'image_generation_call',
  );
}

function expectedCharge(response: unknown): number {
  const usage = responsesUsageOf(response);
  if (!usage) throw new Error('the answer has no usage');
  const imageUsage = imageGenerationUsageOf(response);
  return passThroughCharge({
    text: textPricing,
    usage,
    imageModel: gateway.running.gateway.catalog.resolve(imageModelId)!,
    ...(imageUsage ? { imageUsage } : {}),
    completedImages: imageCallsOf(response as { output: unknown[] }).length,
    tokensPerImage: 0,
  }).micros;
}

const toolModels = (sim: UpstreamSim) =>
  sim.received
    .filter((request) => request.method === 'POST' && request.path === '/v1/responses')
    .map((request) => request.body as Record<string, unknown>);

describe('responses.create with a text model and the image tool', () => {
  it('relays the request as-is and charges exactly the usage and tool usage of the answer', async () => {
    const { data, response } = await client()
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a red circle on a white background',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-primary');
    const [call] = imageCallsOf(data);
    expect(Buffer.from(call.result, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const [sent] = toolModels(primary);
    expect(sent.model).toBe('gpt-sim-text');
    expect(sent.input).toBe('Draw a red circle on a white background');
    // The tool's default, gpt-image-1, is served by its successor; the upstream is told which.
    expect(sent.tools).toEqual([{ type: 'image_generation', model: imageModelId }]);
    expect(primary.received[0].headers.authorization).toBe('Bearer sim-key-text-primary');

    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ door: 'openai-responses', model: imageModelId, status: 200, images_out: 1 });
    expect(row.charged_micros).toBe(expectedCharge(data));
    expect(row.charged_micros).toBeGreaterThan(0);
  });

  it('fails over to the next channel when the first answers 503, before anything reached the client', async () => {
    primary.setFaults(['503']);
    const { data, response } = await client()
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a blue square',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    expect(imageCallsOf(data)).toHaveLength(1);
    expect(toolModels(primary)).toHaveLength(1);
    const row = await logRow(response.headers.get('x-request-id') ?? '');
    expect(row.attempts).toBe(2);
    expect(row.charged_micros).toBe(expectedCharge(data));
    // Stored where it was made: the secondary answers the GET.
    primary.setFaults([]);
    const stored = await client().responses.retrieve(data.id);
    expect(stored.id).toBe(data.id);
    expect(secondary.received.some((request) => request.method === 'GET')).toBe(true);
  });

  it('passes an upstream 400 back with its param and charges nothing', async () => {
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-sim-text', tools: [{ type: 'image_generation' }] }),
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('input');
    expect(body.error.message.length).toBeGreaterThan(0);
    // A caller's mistake is final: no failover to the secondary.
    expect(toolModels(secondary)).toHaveLength(0);
    const row = await logRow(answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 400, charged_micros: 0 });
  });

  it('refuses a tool model the catalog does not know, naming tools[0].model', async () => {
    await expect(
      client().responses.create({
        model: 'gpt-sim-text',
        input: 'Draw',
        tools: [{ type: 'image_generation', model: 'no-such-image-model' as 'gpt-image-1' }],
      }),
    ).rejects.toMatchObject({ status: 404, param: 'tools[0].model' });
    expect(toolModels(primary)).toHaveLength(0);
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
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
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
    const direct = await fetch(`${primary.url}/v1/responses`, {
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
    const row = await logRow(answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 200, images_out: 1, stream: 1 });
    expect(row.charged_micros).toBe(expectedCharge(completed));
    // The completed response is stored: GET reaches the channel that made it.
    const stored = await client().responses.retrieve(completed.id);
    expect(stored.status).toBe('completed');
  });
});

describe('responses.stream of the openai SDK on a text model', () => {
  it('assembles the relayed events into the final response with its image', async () => {
    const stream = client().responses.stream({
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
    primary.setFaults(['truncated-stream']);
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
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
    // The gateway says the stream broke off, continuing the upstream's sequence numbers.
    const frames = text.trim().split('\n\n');
    const dataOf = (frame: string) => JSON.parse(frame.split('\n')[1].slice('data: '.length));
    const last = frames.at(-1) ?? '';
    expect(last.split('\n')[0]).toBe('event: error');
    expect(dataOf(last)).toMatchObject({
      type: 'error',
      code: 'upstream_malformed',
      sequence_number: dataOf(frames.at(-2) ?? '').sequence_number + 1,
    });
    const row = await logRow(answer.headers.get('x-request-id') ?? '');
    expect(row).toMatchObject({ status: 502, charged_micros: 0, images_out: 0 });
  });

  it('refuses background mode, which would finish after the request is billed', async () => {
    await expect(
      client().responses.create({ model: 'gpt-sim-text', input: 'Draw', background: true }),
    ).rejects.toMatchObject({ status: 400, param: 'background' });
    expect(toolModels(primary)).toHaveLength(0);
  });
});

describe('a key with a spend limit', () => {
  it('holds before the upstream call and releases all but the exact charge', async () => {
    const limited = await createClientKey(gateway.running.gateway.database.db, {
      name: 'limited-client',
      spendLimitMicros: 50_000_000,
    });
    const { data, response } = await client(limited.key)
      .responses.create({
        model: 'gpt-sim-text',
        input: 'Draw a circle',
        tools: [{ type: 'image_generation' }],
      })
      .withResponse();
    const requestId = response.headers.get('x-request-id') ?? '';
    const row = await logRow(requestId);
    const hold = await gateway.running.gateway.database.db
      .selectFrom('holds')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(hold.state).not.toBe('open');
    expect(hold.amount_micros).toBeGreaterThan(row.charged_micros);
    expect(row.charged_micros).toBe(expectedCharge(data));
    const totals = await billingTotals(gateway.running.gateway.database, limited.record.id);
    expectBalanced(totals);
    expect(totals.spent).toBe(row.charged_micros);
  });
});

describe('stored pass-through responses', () => {
  it('GET, previous_response_id and DELETE go to the channel that made the response; another key gets 404', async () => {
    const first = await client().responses.create({
      model: 'gpt-sim-text',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    const fetched = await client().responses.retrieve(first.id);
    expect(fetched.id).toBe(first.id);
    expect(fetched.output).toHaveLength(first.output.length);

    const second = await client().responses.create({
      model: 'gpt-sim-text',
      previous_response_id: first.id,
      input: 'Now make it grayscale',
      tools: [{ type: 'image_generation' }],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(toolModels(primary).at(-1)?.previous_response_id).toBe(first.id);

    const asked = primary.received.length;
    await expect(client(otherKey).responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(client(otherKey).responses.delete(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      client(otherKey).responses.create({
        model: 'gpt-sim-text',
        previous_response_id: first.id,
        input: 'again',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 404, param: 'previous_response_id' });
    expect(primary.received.length).toBe(asked);

    await client().responses.delete(first.id);
    expect(primary.received.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/responses/${first.id}` });
    await expect(client().responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it('answers 404 for an id the upstream no longer has, and forgets it on DELETE', async () => {
    const made = await client().responses.create({ model: 'gpt-sim-text', input: 'Draw a red circle' });
    primary.reset();
    await expect(client().responses.retrieve(made.id)).rejects.toMatchObject({ status: 404 });
    await expect(client().responses.delete(made.id)).rejects.toMatchObject({ status: 404 });
    const rows = await gateway.running.gateway.database.db
      .selectFrom('conversation_turns')
      .select('id')
      .where('id', '=', made.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('refuses to continue a response this gateway answered itself with a text model', async () => {
    const canonical = await client().responses.create({
      model: 'local-image-edit',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    await expect(
      client().responses.create({
        model: 'gpt-sim-text',
        previous_response_id: canonical.id,
        input: 'Now make it blue',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
    expect(toolModels(primary)).toHaveLength(0);
  });

  it('refuses to continue a pass-through response with an image model', async () => {
    const relayed = await client().responses.create({
      model: 'gpt-sim-text',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    await expect(
      client().responses.create({
        model: 'local-image-edit',
        previous_response_id: relayed.id,
        input: 'Now make it blue',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
  });
});

// Last in the file: it leaves the primary's circuit open.
describe('a channel that keeps failing', () => {
  it('rests after the circuit threshold, and requests go straight to the next channel', async () => {
    primary.setFaults(['503']);
    const threshold = 5;
    for (let index = 0; index < threshold; index++) {
      const { response } = await client()
        .responses.create({ model: 'gpt-sim-text', input: 'Say hi' })
        .withResponse();
      expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    }
    expect(toolModels(primary)).toHaveLength(threshold);
    const { response } = await client()
      .responses.create({ model: 'gpt-sim-text', input: 'Say hi' })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    expect(toolModels(primary)).toHaveLength(threshold);
  });
});
