import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  type GeminiResponseShape,
  editRequest,
  flashModel,
  generatePath,
  partsOf,
  postGemini,
  textRequest,
  useSim,
} from './helpers.js';

const ssePath = `${generatePath(flashModel, 'streamGenerateContent')}?alt=sse`;

/** Raw HTTP exchange: status (if any), the bytes that arrived, and how the connection ended. */
function rawPost(url: string, body: unknown, timeoutMilliseconds = 2000) {
  return new Promise<{ status?: number; text: string; ending: 'end' | 'error' | 'timeout' }>((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let settled = false;
    const finish = (ending: 'end' | 'error' | 'timeout') => {
      if (settled) return;
      settled = true;
      resolve({ status, text: Buffer.concat(chunks).toString('utf8'), ending });
    };
    const outgoing = httpRequest(url, { method: 'POST', headers: { 'x-goog-api-key': 'k' } }, (incoming) => {
      status = incoming.statusCode;
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => finish('end'));
      incoming.on('error', () => finish('error'));
      incoming.on('aborted', () => finish('error'));
    });
    outgoing.on('error', () => finish('error'));
    // A wall-clock deadline: an idle timeout would never fire while keepalives keep arriving.
    const deadline = setTimeout(() => {
      finish('timeout');
      outgoing.destroy();
    }, timeoutMilliseconds);
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.end(JSON.stringify(body));
  });
}

describe('upstream-sim Gemini faults', () => {
  it('answers 503 UNAVAILABLE and 500 INTERNAL in Google envelopes', async () => {
    const sim = await useSim({ faults: ['503'] });
    const overloaded = await postGemini(sim, generatePath(), textRequest());
    expect(overloaded.status).toBe(503);
    expect(await overloaded.json()).toEqual({
      error: {
        code: 503,
        message: 'The model is overloaded. Please try again later.',
        status: 'UNAVAILABLE',
      },
    });
    sim.setFaults(['500']);
    const internal = await postGemini(sim, generatePath(), textRequest());
    expect(internal.status).toBe(500);
    expect(((await internal.json()) as GeminiResponseShape).error?.status).toBe('INTERNAL');
  });

  it('answers 429 RESOURCE_EXHAUSTED with QuotaFailure, RetryInfo and Retry-After', async () => {
    const sim = await useSim({ faults: ['429'] });
    const response = await postGemini(sim, generatePath(), textRequest());
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    const error = ((await response.json()) as GeminiResponseShape).error;
    expect(error?.status).toBe('RESOURCE_EXHAUSTED');
    const types = error?.details?.map((detail) => detail['@type']);
    expect(types).toContain('type.googleapis.com/google.rpc.QuotaFailure');
    expect(error?.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '2s',
    });
  });

  it('flips from failing to healthy when the fault list changes at runtime', async () => {
    const sim = await useSim({ faults: ['503'] });
    expect((await postGemini(sim, generatePath(), textRequest())).status).toBe(503);
    sim.setFaults([]);
    expect((await postGemini(sim, generatePath(), textRequest())).status).toBe(200);
  });

  it('returns 200 with only a text part for no-image', async () => {
    const sim = await useSim({ faults: ['no-image'] });
    const body = (await (await postGemini(sim, generatePath(), textRequest())).json()) as GeminiResponseShape;
    expect(partsOf(body).map((part) => part.text)).toEqual(["I can't generate that image."]);
    expect(body.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('returns the input image unchanged for unedited', async () => {
    const sim = await useSim({ faults: ['unedited'] });
    const { request, imageBase64 } = await editRequest();
    const body = (await (await postGemini(sim, generatePath(), request)).json()) as GeminiResponseShape;
    const image = partsOf(body).find((part) => 'inlineData' in part)?.inlineData as { data: string };
    expect(image.data).toBe(imageBase64);
  });

  it('puts the image in a markdown data URL for markdown-image', async () => {
    const sim = await useSim({ faults: ['markdown-image'] });
    const body = (await (await postGemini(sim, generatePath(), textRequest())).json()) as GeminiResponseShape;
    const parts = partsOf(body);
    expect(parts.some((part) => 'inlineData' in part)).toBe(false);
    expect(String(parts[1]?.text)).toMatch(/^!\[image\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)$/);
  });

  it('links an image the sim hosts for url-image', async () => {
    const sim = await useSim({ faults: ['url-image'] });
    const body = (await (await postGemini(sim, generatePath(), textRequest())).json()) as GeminiResponseShape;
    const text = String(partsOf(body)[1]?.text);
    const url = /\((http:\/\/127\.0\.0\.1:\d+\/sim-files\/[\w.]+\.png)\)/.exec(text)?.[1];
    expect(url?.startsWith(sim.url)).toBe(true);
    const image = await fetch(String(url));
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('multiplies the reported image tokens for usage-drift', async () => {
    const sim = await useSim({ faults: ['usage-drift:1.5'] });
    const body = (await (await postGemini(sim, generatePath(), textRequest())).json()) as GeminiResponseShape;
    expect(body.usageMetadata?.candidatesTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 1680 }]);
  });

  it('waits before answering for latency', async () => {
    const sim = await useSim({ faults: ['latency:200ms'] });
    const started = Date.now();
    expect((await postGemini(sim, generatePath(), textRequest())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('cuts the SSE stream mid-JSON after the first event for truncated-stream', async () => {
    const sim = await useSim({ faults: ['truncated-stream'] });
    const result = await rawPost(`${sim.url}${ssePath}`, textRequest());
    const frames = result.text.split('\r\n\r\n');
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[0].slice('data: '.length))).toHaveProperty('candidates');
    expect(frames[1].startsWith('data: {')).toBe(true);
    expect(() => JSON.parse(frames[1].slice('data: '.length))).toThrow();
  });

  it('sends half the body and drops the connection for a non-stream truncated-stream', async () => {
    const sim = await useSim({ faults: ['truncated-stream'] });
    const result = await rawPost(`${sim.url}${generatePath()}`, textRequest());
    expect(result.status).toBe(200);
    expect(result.ending).toBe('error');
    expect(result.text.startsWith('{\n  "candidates"')).toBe(true);
    expect(() => JSON.parse(result.text)).toThrow();
  });

  it('drops the socket without a response for reset', async () => {
    const sim = await useSim({ faults: ['reset'] });
    await expect(postGemini(sim, generatePath(), textRequest())).rejects.toThrow();
  });

  it('answers a 200 proxy HTML page for html-error and broken JSON for invalid-json', async () => {
    const sim = await useSim({ faults: ['html-error'] });
    const html = await postGemini(sim, generatePath(), textRequest());
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(await html.text()).toBe('<html>Bad Gateway</html>');
    sim.setFaults(['invalid-json']);
    const broken = await postGemini(sim, generatePath(), textRequest());
    expect(broken.status).toBe(200);
    await expect(broken.json()).rejects.toThrow();
  });

  it('keeps an endless stream alive with keepalive comments until the client leaves', async () => {
    const sim = await useSim({ faults: ['endless-stream'] });
    const result = await rawPost(`${sim.url}${ssePath}`, textRequest(), 700);
    expect(result.ending).toBe('timeout');
    expect(result.status).toBe(200);
    expect(result.text).toMatch(/^(: keepalive\r\n\r\n){2,}$/);
  });

  it('hits a reproducible share of requests for a fault rate below 1', async () => {
    const pattern = async () => {
      const sim = await useSim({ faults: ['503'], faultRate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let index = 0; index < 12; index++) {
        statuses.push((await postGemini(sim, generatePath(), textRequest())).status);
      }
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });
});
