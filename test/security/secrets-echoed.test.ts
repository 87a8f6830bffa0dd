// Provider keys an upstream repeats back (in error envelopes, HTML, 429 text, stream errors, 400s)
// never reach a client, a log line or the database.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningChild, startGatewayChild } from '../helpers/gateway-child.js';

const clientKey = 'client-key-for-secret-test';

/**
 * A hostile upstream on loopback that repeats the key it was sent in every way upstreams do: in
 * Gemini and OpenAI error envelopes, in an HTML page printing the request URL with `?key=`, in a
 * 429 text, in a stream's error event and in a 400 about the request. The first path segment of
 * the channel's baseUrl chooses the behaviour.
 */
function startEchoingUpstream(): Promise<{ url: string; server: Server; requests: () => number }> {
  let requests = 0;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    const url = new URL(request.url ?? '/', 'http://upstream.invalid');
    const key =
      (request.headers['x-goog-api-key'] as string | undefined) ??
      request.headers.authorization?.replace(/^Bearer /, '') ??
      url.searchParams.get('key') ??
      'no-key';
    const mode = url.pathname.split('/')[1];
    const streaming = url.pathname.includes('streamGenerateContent') || url.searchParams.has('alt');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const fullUrl = `https://generativelanguage.googleapis.com${url.pathname}?alt=sse&key=${key}`;
    switch (mode) {
      case 'gemini-401':
        return json(401, {
          error: {
            code: 401,
            message: `API key not valid: ${key}. Request ${fullUrl}`,
            status: 'UNAUTHENTICATED',
          },
        });
      case 'html':
        response.writeHead(502, { 'content-type': 'text/html' });
        return response.end(
          `<html><body><h1>502 Bad Gateway</h1><p>GET ${fullUrl}</p><pre>Authorization: Bearer ${key}</pre></body></html>`,
        );
      case 'gemini-429':
        response.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '1' });
        return response.end(`Too many requests for API key ${key}; slow down.`);
      case 'gemini-500':
        return json(500, {
          error: { code: 500, message: `Internal error while using ${key}`, status: 'INTERNAL' },
        });
      case 'gemini-stream-error': {
        const error = { error: { code: 500, message: `Stream broke for key=${key}`, status: 'INTERNAL' } };
        if (!streaming) return json(200, error);
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        return response.end(`data: ${JSON.stringify(error)}\r\n\r\n`);
      }
      case 'gemini-400':
        return json(400, {
          error: {
            code: 400,
            message: `Invalid value at 'contents' (request made with ${key})`,
            status: 'INVALID_ARGUMENT',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.BadRequest',
                fieldViolations: [{ field: 'contents', description: `bad contents for ${key}` }],
              },
              { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X', metadata: { key } },
            ],
          },
        });
      case 'openai-401':
        return json(401, {
          error: {
            message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        });
      case 'openai-429':
        return json(
          429,
          {
            error: {
              message: `Rate limit reached for ${key}`,
              type: 'requests',
              code: 'rate_limit_exceeded',
            },
          },
          { 'retry-after': '1' },
        );
      case 'openai-stream-error': {
        const error = {
          type: 'error',
          error: { message: `Generation failed for ${key}`, type: 'server_error', code: 'server_error' },
        };
        // The images endpoints ask for a stream in the body (JSON or multipart).
        return request.on('end', () => {
          if (!/"stream":true|name="stream"\r\n\r\ntrue/.test(body)) return json(200, { error: error.error });
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
        });
      }
      case 'openai-400':
        return json(400, {
          error: {
            message: `Invalid size for key ${key}`,
            type: 'invalid_request_error',
            param: `size ${key}`,
            code: 'invalid_value',
          },
        });
      default:
        return json(404, { error: { message: `no mode ${mode}` } });
    }
  };
  const server = createHttpServer(handle);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, server, requests: () => requests });
    }),
  );
}

describe('provider keys stay secret when an upstream repeats them', () => {
  // Keys without a recognisable shape are found because they are configured; shaped ones also by shape.
  const keys: Record<string, string> = {
    'gemini-401': 'echo-key-gemini-401-plain',
    html: 'echo-key-html-page-plain',
    'gemini-429': 'AIzaEchoKeyGemini429xx',
    'gemini-500': 'echo-key-gemini-500-plain',
    'gemini-stream-error': 'echo-key-gemini-stream-plain',
    'gemini-400': 'echo-key-gemini-400-plain',
    'openai-401': 'sk-echo-key-openai-401',
    'openai-429': 'echo-key-openai-429-plain',
    'openai-stream-error': 'echo-key-openai-stream-plain',
    'openai-400': 'echo-key-openai-400-plain',
  };
  const adminKey = 'admin-key-for-secret-test';
  let upstream: Awaited<ReturnType<typeof startEchoingUpstream>>;
  let gateway: RunningChild;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = await startEchoingUpstream();
    const channel = (mode: string, provider: string, models: string, priority: number) =>
      `  - name: ${mode}\n    provider: ${provider}\n    baseUrl: ${upstream.url}/${mode}\n    apiKeys: ["${keys[mode]}"]\n    models: [${models}]\n    priority: ${priority}\n`;
    gateway = await startGatewayChild(
      [
        'channels:\n',
        channel('gemini-401', 'gemini-compatible', 'gemini-3-pro-image', 1),
        channel('html', 'gemini-compatible', 'gemini-3.1-flash-image', 5),
        channel('gemini-429', 'gemini-compatible', 'gemini-3.1-flash-image', 4),
        channel('gemini-500', 'gemini-compatible', 'gemini-3.1-flash-image', 3),
        channel('gemini-stream-error', 'gemini-compatible', 'gemini-3.1-flash-image', 2),
        channel('gemini-400', 'gemini-compatible', 'gemini-3.1-flash-image', 1),
        channel('openai-401', 'openai-compatible', 'gpt-image-2', 1),
        channel('openai-429', 'openai-compatible', 'gpt-image-2.6-flare', 3),
        channel('openai-stream-error', 'openai-compatible', 'gpt-image-2.6-flare', 2),
        channel('openai-400', 'openai-compatible', 'gpt-image-2.6-flare', 1),
        'routing: { maxAttempts: 8, circuit: { failureThreshold: 1000 } }\n',
        'retest: { enabled: false }\n',
      ].join(''),
      { client: clientKey, admin: adminKey },
    );
  }, 90_000);

  afterAll(async () => {
    gateway?.child.kill('SIGTERM');
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  async function call(path: string, body: unknown, authorization = `Bearer ${clientKey}`) {
    const response = await fetch(`${gateway.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    seen.push(JSON.stringify([...response.headers]), text);
    return { status: response.status, text };
  }

  const geminiBody = {
    contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
  };
  const chatBody = (model: string, stream = false) => ({
    model,
    messages: [{ role: 'user', content: 'a red circle on a white background' }],
    modalities: ['image', 'text'],
    stream,
  });

  it('answers an upstream 401 with a 502 naming the channel on the Gemini, Images and chat doors', async () => {
    const answers = [
      await call('/v1beta/models/gemini-3-pro-image:generateContent', geminiBody),
      await call('/v1/images/generations', { model: 'gemini-3-pro-image', prompt: 'a red circle' }),
      await call('/v1/chat/completions', chatBody('gemini-3-pro-image')),
      await call('/v1/images/generations', { model: 'gpt-image-2', prompt: 'a red circle' }),
    ];
    for (const [index, answer] of answers.entries()) {
      expect(answer.status, answer.text).toBe(502);
      const channel = index === 3 ? 'openai-401' : 'gemini-401';
      expect(answer.text).toContain(`Upstream channel \\"${channel}\\" rejected its credentials`);
      expect(answer.text).not.toContain('invalid_api_key');
      expect(answer.text).not.toContain('UNAUTHENTICATED');
    }
    const streamed = await call(
      '/v1beta/models/gemini-3-pro-image:streamGenerateContent?alt=sse',
      geminiBody,
    );
    expect(streamed.status).toBe(502);
    expect(streamed.text).toContain('gemini-401');
  });

  it('keeps every repeated key out of answers on every door, streaming included', async () => {
    const answers = [
      await call('/v1beta/models/gemini-3.1-flash-image:generateContent', geminiBody),
      await call('/v1beta/models/gemini-3.1-flash-image:streamGenerateContent?alt=sse', geminiBody),
      await call('/v1beta/models/gemini-3.1-flash-image:streamGenerateContent', geminiBody),
      await call('/v1beta/models/gemini-3.1-flash-image:countTokens', geminiBody),
      await call('/v1/chat/completions', chatBody('gemini-3.1-flash-image')),
      await call('/v1/chat/completions', chatBody('gemini-3.1-flash-image', true)),
      await call('/v1/images/generations', { model: 'gpt-image-2.6-flare', prompt: 'a red circle' }),
      await call('/v1/images/generations', {
        model: 'gpt-image-2.6-flare',
        prompt: 'a red circle',
        stream: true,
      }),
      await call('/v1/images/generations', {
        model: 'gemini-3.1-flash-image',
        prompt: 'a red circle',
        stream: true,
      }),
    ];
    // The caller's own mistake (the last channel's 400) still reaches the caller, scrubbed.
    expect(answers[0].status).toBe(400);
    expect(answers[0].text).toContain("Invalid value at 'contents'");
    expect(answers[6].status).toBe(400);
    expect(answers[6].text).toContain('Invalid size for key');
    expect(upstream.requests()).toBeGreaterThan(10);
  });

  it('keeps every repeated key out of retest results, status pages, metrics and logs', async () => {
    const retest = await call(
      '/admin/retest',
      {
        model: 'gemini-3-pro-image',
        doors: ['gemini', 'openai-images', 'openai-chat', 'openai-responses', 'gemini-interactions'],
      },
      `Bearer ${adminKey}`,
    );
    expect(retest.status).toBe(200);
    // The retest sees the route's credential failure, not a client auth failure or a rate limit.
    expect(retest.text).toContain('error:auth');
    expect(retest.text).toContain('gemini-401');
    for (const path of ['/status', '/status.json', '/metrics', '/admin/channels', '/v1/models']) {
      const response = await fetch(`${gateway.base}${path}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      seen.push(await response.text());
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const everything = [...seen, gateway.output()].join('\n');
    expect(gateway.output().length).toBeGreaterThan(0);
    for (const key of Object.values(keys)) {
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(encodeURIComponent(key));
    }
  });
});
