import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const model = 'gemini-3.1-flash-image';
let failing: UpstreamSim;
let healthy: UpstreamSim;
let gateway: TestGateway;

beforeAll(async () => {
  failing = await startUpstreamSim({ faults: ['503'] });
  healthy = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `channels:
${simChannelYaml('failing', failing.url, [model], '    priority: 2\n')}${simChannelYaml('healthy', healthy.url, [model], '    priority: 1\n')}`,
  });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([failing.close(), healthy.close()]);
});

type SentPart = { text?: string; inlineData?: { mimeType: string; data: string } };
const sentImages = (sim: UpstreamSim) =>
  sim.received
    .filter((request) => request.path.includes(':generateContent'))
    .map((request) => {
      const body = request.body as { contents: Array<{ parts: SentPart[] }> };
      return body.contents[0].parts.find((part) => part.inlineData)?.inlineData;
    });

describe('a chat edit of a large image, failing over', () => {
  it('sends the same re-serialised request, image byte for byte, to the next channel', async () => {
    // ~170 KB of base64: parsed with the data URL unread and sent upstream as pieces.
    const noise = await sharp(randomBytes(240 * 180 * 3), { raw: { width: 240, height: 180, channels: 3 } })
      .png()
      .toBuffer();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
      body: JSON.stringify({
        model,
        modalities: ['image', 'text'],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'grayscale' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${noise.toString('base64')}` } },
            ],
          },
        ],
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const completion = JSON.parse(text) as {
      choices: Array<{ message: { images?: Array<{ image_url: { url: string } }> } }>;
    };
    const url = completion.choices[0].message.images?.[0]?.image_url.url ?? '';
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const answerImage = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    expect([answerImage.width, answerImage.height]).toEqual([240, 180]);

    const expected = { mimeType: 'image/png', data: noise.toString('base64') };
    expect(sentImages(failing)).toEqual([expected]);
    expect(sentImages(healthy)).toEqual([expected]);
  });
});
