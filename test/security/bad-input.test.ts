import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { blackPng, smallJpeg, smallPng, truncated } from './images.js';

const bodyLimitBytes = 2_000_000;
let sim: UpstreamSim;
let gateway: TestGateway;
let png: Buffer;

beforeAll(async () => {
  sim = await startUpstreamSim();
  gateway = await startTestGateway({
    configYaml: `server: { bodyLimitBytes: ${bodyLimitBytes} }
channels:
${simChannelYaml('sim', sim.url, ['gemini-3.1-flash-image'])}`,
  });
  png = await smallPng();
});
afterAll(async () => {
  await gateway.close();
  await sim.close();
});

interface GeminiErrorBody {
  error: { code: number; message: string; status: string };
}

async function post(
  body: string | Uint8Array,
  options: { contentType?: string; model?: string } = {},
): Promise<{ status: number; body: GeminiErrorBody }> {
  const headers: Record<string, string> = { 'x-goog-api-key': gateway.key };
  if (options.contentType !== '') headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(
    `${gateway.url}/v1beta/models/${options.model ?? 'local-image-edit'}:generateContent`,
    { method: 'POST', headers, body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]) },
  );
  return { status: response.status, body: (await response.json()) as GeminiErrorBody };
}

function imageRequest(data: string, mimeType = 'image/png'): string {
  return JSON.stringify({
    contents: [{ role: 'user', parts: [{ text: 'grayscale' }, { inlineData: { mimeType, data } }] }],
  });
}

function expectGeminiError(
  answer: { status: number; body: GeminiErrorBody },
  status: number,
  message: RegExp,
) {
  expect(answer.status).toBe(status);
  expect(answer.body.error.code).toBe(status);
  expect(typeof answer.body.error.status).toBe('string');
  expect(answer.body.error.message).toMatch(message);
}

describe('bad input on the Gemini door', () => {
  it('answers 413 in the Gemini envelope when the body is over the limit', async () => {
    const answer = await post(imageRequest('A'.repeat(bodyLimitBytes + 10)));
    expectGeminiError(answer, 413, /too large|smaller/i);
  });

  it('answers 415 in the Gemini envelope for a body that is not JSON', async () => {
    expectGeminiError(await post('<xml/>', { contentType: 'application/xml' }), 415, /Content-Type/);
    expectGeminiError(
      await post('a=b', { contentType: 'application/x-www-form-urlencoded' }),
      415,
      /Content-Type/,
    );
  });

  it('answers 400 or 415 for a body without a content type, never 500', async () => {
    // A Buffer body makes fetch send no content-type at all.
    const answer = await post(Buffer.from(imageRequest(png.toString('base64'))), { contentType: '' });
    expect([400, 415]).toContain(answer.status);
    expect(answer.body.error.code).toBe(answer.status);
  });

  it('answers 400 naming the position of a JSON syntax error', async () => {
    expectGeminiError(await post('{"contents": [}'), 400, /position 14/);
  });

  it('answers 400 for JSON nested thousands of levels deep instead of overflowing the stack', async () => {
    const depth = 50_000;
    const deep = `{"contents":[{"parts":[{"text":"x"}]}],"extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expectGeminiError(await post(deep), 400, /deeper than 64/);
    const broken = `{"contents":${'['.repeat(depth)}`;
    expectGeminiError(await post(broken), 400, /Invalid JSON/);
  });

  it('answers 400 for a prompt above the text limit', async () => {
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'x'.repeat(1_000_001) }] }] });
    expectGeminiError(await post(body), 400, /character limit/);
  });

  it('answers 400 for malformed base64 image data', async () => {
    expectGeminiError(await post(imageRequest('not base64 at all!')), 400, /Base64 decoding failed/);
  });

  it('answers 400 when the bytes are not an image whatever the declared type', async () => {
    const text = Buffer.from('hello, this is plain text and not an image').toString('base64');
    expectGeminiError(await post(imageRequest(text)), 400, /not a recognised image/);
  });

  it('answers 400 for a truncated PNG and a truncated JPEG', async () => {
    expectGeminiError(
      await post(imageRequest(truncated(png).toString('base64'))),
      400,
      /truncated image\/png/,
    );
    const jpeg = truncated(await smallJpeg()).toString('base64');
    expectGeminiError(await post(imageRequest(jpeg, 'image/jpeg')), 400, /truncated image\/jpeg/);
  });

  it('refuses a decompression bomb from its header before any decoder runs', async () => {
    const bomb = blackPng(16_000, 16_000);
    expect(bomb.length).toBeLessThan(bodyLimitBytes);
    const answer = await post(imageRequest(bomb.toString('base64')));
    expectGeminiError(answer, 400, /16000x16000 pixels, more than the 50000000-pixel limit/);
  });

  it('answers 400 when more images are sent than the model accepts', async () => {
    const parts = [
      { text: 'grayscale' },
      ...Array.from({ length: 20 }, () => ({
        inlineData: { mimeType: 'image/png', data: png.toString('base64') },
      })),
    ];
    const answer = await post(JSON.stringify({ contents: [{ parts }] }));
    expectGeminiError(answer, 400, /input images/);
  });

  it('passes the sniffed type upstream when the declared mime type is wrong', async () => {
    sim.reset();
    const answer = await fetch(`${gateway.url}/v1beta/models/gemini-3.1-flash-image:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gateway.key },
      body: imageRequest(png.toString('base64'), 'image/jpeg'),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    const sent = JSON.stringify(sim.received.at(-1)?.body);
    expect(sent).toContain('"mimeType":"image/png"');
    expect(sent).not.toContain('image/jpeg');
  });

  it('refuses fileData URIs that point at loopback, private or metadata addresses', async () => {
    for (const uri of [
      'http://example.com/a.png',
      'https://127.0.0.1/a.png',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/a.png',
      'https://metadata.google.internal/computeMetadata/v1/',
      'file:///etc/passwd',
    ]) {
      const body = JSON.stringify({
        contents: [{ parts: [{ text: 'grayscale' }, { fileData: { mimeType: 'image/png', fileUri: uri } }] }],
      });
      const answer = await post(body, { model: 'gemini-3.1-flash-image' });
      expectGeminiError(answer, 400, /fileData\.fileUri/);
    }
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default, on a request or a preflight', async () => {
    const preflight = await fetch(`${gateway.url}/v1beta/models/local-image-edit:generateContent`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    const simple = await fetch(`${gateway.url}/v1beta/models`, {
      headers: { origin: 'https://evil.example', 'x-goog-api-key': gateway.key },
    });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});
