// A long instruction to the free offline engine is refused at once with a 400 in the door's
// envelope; it never occupies the event loop (it once did for minutes: the parser backtracked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxInstructionCharacters } from '../../src/engine/parse-instruction.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.close();
});

interface ErrorAnswer {
  error: { code?: number; status?: string; type?: string; message: string; param?: string };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: ErrorAnswer }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as ErrorAnswer };
}

function gemini(text: string) {
  return {
    contents: [{ role: 'user', parts: [{ text }] }],
    generationConfig: { responseModalities: ['IMAGE'] },
  };
}

describe('instruction length on local-image-edit', () => {
  it('answers a 900 KB word with a 400 within 3 s while /healthz stays responsive', async () => {
    const started = performance.now();
    const pending = post(
      '/v1beta/models/local-image-edit:generateContent',
      gemini(`change the background to blue ${'x'.repeat(900_000)}`),
    );
    const healthStarted = performance.now();
    const health = await fetch(`${gateway.url}/healthz`);
    const healthMs = performance.now() - healthStarted;
    const answer = await pending;
    expect(answer.status).toBe(400);
    expect(answer.json.error.status).toBe('INVALID_ARGUMENT');
    expect(answer.json.error.message).toContain(`reads at most ${maxInstructionCharacters}`);
    // Generous bounds: before, the parser spun for minutes on this word.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1_500);
  });

  it('answers 60,000 characters after an instruction with a 400 on the Images and chat doors', async () => {
    const prompt = `change the background to blue ${'x'.repeat(60_000)}`;
    const images = await post('/v1/images/generations', { model: 'local-image-edit', prompt });
    expect(images.status).toBe(400);
    expect(images.json.error.type).toBe('invalid_request_error');
    expect(images.json.error.message).toContain(`reads at most ${maxInstructionCharacters}`);
    const chat = await post('/v1/chat/completions', {
      model: 'local-image-edit',
      modalities: ['image'],
      messages: [{ role: 'user', content: prompt }],
    });
    expect(chat.status).toBe(400);
    expect(chat.json.error.message).toContain(`reads at most ${maxInstructionCharacters}`);
  });

  it('still draws from an instruction just under the limit', async () => {
    const text = `a red circle on a white background${' '.repeat(maxInstructionCharacters - 40)}`;
    const response = await fetch(`${gateway.url}/v1beta/models/local-image-edit:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: JSON.stringify(gemini(text)),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      candidates: Array<{ content: { parts: Array<{ inlineData?: unknown }> } }>;
    };
    expect(body.candidates[0].content.parts.some((part) => part.inlineData)).toBe(true);
  });
});
