// When decoded pixels fill engine.pixelMemoryBytes, an edit waits engine.pixelWaitMs and then gets a
// 503 in its door's envelope; the memory is given back on every path.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelMemory } from '../../src/engine/pixel-memory.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

let gateway: TestGateway;
let png: string;

beforeAll(async () => {
  // One byte: every edit runs alone, and a second one gives up after 20 ms.
  gateway = await startTestGateway({
    configYaml: 'engine: { pixelMemoryBytes: 1, pixelWaitMs: 20 }\nrouting: { maxAttempts: 1 }\n',
  });
  png = (
    await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
  ).toString('base64');
}, 60_000);
afterAll(async () => {
  await gateway.close();
});

function edit(signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1beta/models/local-image-edit:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
    body: JSON.stringify({
      contents: [
        { role: 'user', parts: [{ text: 'invert' }, { inlineData: { mimeType: 'image/png', data: png } }] },
      ],
    }),
    signal,
  });
}

describe('waiting for pixel memory', () => {
  it('never counts a full pixel bound against the route, so a flood of huge edits cannot open its circuit', async () => {
    for (let round = 0; round < 3; round += 1) {
      const answers = await Promise.all([edit(), edit(), edit(), edit()]);
      expect(answers.some((answer) => answer.status === 503)).toBe(true);
    }
    const local = gateway.running.gateway.circuits.snapshot().filter((state) => state.channel === 'local');
    // No failure was recorded against the route at all (a success in between would hide a count).
    expect(local.every((state) => state.state === 'closed' && state.lastErrorClass === undefined)).toBe(true);
    expect((await edit()).status).toBe(200);
  }, 60_000);

  it('answers 503 UNAVAILABLE with Retry-After when no room was made in time, and gives every byte back', async () => {
    const answers = await Promise.all([edit(), edit(), edit()]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses[0]).toBe(200);
    const refused = answers.find((answer) => answer.status === 503);
    expect(refused).toBeDefined();
    expect(refused?.headers.get('retry-after')).toBe('1');
    const body = (await refused?.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('UNAVAILABLE');
    expect(body.error.message).toContain('engine.pixelMemoryBytes');
    expect(pixelMemory.held).toBe(0);
    expect(pixelMemory.waiting).toBe(0);
  });

  it('gives the bytes back when clients leave mid-edit', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const pending = controllers.map((controller) => edit(controller.signal).catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const controller of controllers) controller.abort();
    await Promise.all(pending);
    // The edit that was running finishes on its thread, then releases.
    for (let waited = 0; pixelMemory.held > 0 && waited < 60_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pixelMemory.held).toBe(0);
    expect(pixelMemory.waiting).toBe(0);
    expect((await edit()).status).toBe(200);
  });
});
