// The Interactions door over HTTP, where routes.ts decides: the client's own field named when a
// capability check refuses a value, and stored interactions read back as events (the offline
// engine as the only channel; nothing leaves the machine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/start-gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    configYaml:
      'channels:\n  - name: local\n    provider: local\n    models: [local-image-edit]\nretest:\n  enabled: false\n',
  });
});
afterAll(async () => {
  await gateway?.close();
});

async function create(body: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}/v1beta/interactions`, {
    method: 'POST',
    headers: { 'x-goog-api-key': gateway.key, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'local-image-edit', input: 'a red square', store: false, ...body }),
  });
  const answer = (await response.json()) as {
    error?: { status?: string; details?: { fieldViolations?: { field: string }[] }[] };
  };
  const fields = (answer.error?.details ?? []).flatMap((detail) => detail.fieldViolations ?? []);
  return { status: response.status, fields: fields.map((violation) => violation.field) };
}

describe('capability errors on the Interactions door', () => {
  it('names generation_config.image_config.aspect_ratio when the ratio came from there', async () => {
    const answer = await create({ generation_config: { image_config: { aspect_ratio: '7:3' } } });
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(['generation_config.image_config.aspect_ratio']);
  });

  // routes.ts passes prepareSubCalls a fixed map to generation_config.image_config.*, whatever the
  // client used; `{ ...canonical.imageFields, contents: 'input' }` would name the right field.
  it('names response_format.aspect_ratio when the ratio came from response_format', async () => {
    const answer = await create({ response_format: { type: 'image', aspect_ratio: '7:3' } });
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(['response_format.aspect_ratio']);
  });
});

describe('reading a stored interaction back', () => {
  // ai.interactions.get(id, { stream: true }) asks GET …?stream=true with Accept: text/event-stream;
  // routes.ts ignores `stream` and answers JSON, which the SDK refuses ("Unexpected Content-Type").
  it('replays the stored interaction as events for GET ?stream=true', async () => {
    const headers = { 'x-goog-api-key': gateway.key, 'content-type': 'application/json' };
    const created = await fetch(`${gateway.url}/v1beta/interactions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'local-image-edit', input: 'a red square' }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const replay = await fetch(`${gateway.url}/v1beta/interactions/${id}?stream=true`, {
      headers: { ...headers, accept: 'text/event-stream' },
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });
});
