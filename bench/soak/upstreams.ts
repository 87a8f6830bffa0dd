// The soak's upstreams on loopback: the upstream-sim (one copy failing a share of calls, healthy
// copies behind it) and two hostile fakes: one whose error text echoes its provider key, one
// OpenAI-compatible upstream that answers 401. Each channel gets its own recognisable provider key.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { AddressInfo } from 'node:net';
import { startUpstreamSim } from '../../src/sim/index.js';

export const models = {
  /** Gemini door, chat door and most Images traffic: a faulting sim in front of a healthy one. */
  flash: 'gemini-3.1-flash-image',
  /**
   * Served first (weighted) by an upstream whose errors echo its key and one that pauses before
   * its final stream event, then by a slow sim.
   */
  pro: 'gemini-3-pro-image',
  /** gpt-image on a clean OpenAI-compatible sim channel (the spend-limit case with quality/size). */
  gptImage: 'gpt-image-2',
  /** gpt-image behind an upstream that echoes its key and one that answers 401. */
  gptImageMini: 'gpt-image-2.6-flare',
  local: 'local-image-edit',
} as const;

export interface SoakChannel {
  name: string;
  provider: 'gemini-compatible' | 'openai-compatible';
  url: string;
  apiKey: string;
  models: string[];
  priority: number;
}

export interface SoakUpstreams {
  channels: SoakChannel[];
  /** Every provider key the gateway holds: none may ever reach a client or a log line. */
  providerKeys: string[];
  /** Forget what the sims recorded (they keep every request in memory). */
  forgetRecords(): void;
  close(): Promise<void>;
}

function providerKey(prefix: string, name: string): string {
  return `${prefix}SOAK-${name}-${randomBytes(9).toString('hex')}`;
}

/**
 * Answers every call with an error that quotes `apiKey`, in rotation: 400 (the caller's fault, so
 * its text may pass to the client), 429, 500 and 503, in the envelope of the protocol it speaks.
 */
function keyEchoingHandler(protocol: 'gemini' | 'openai', apiKey: string) {
  const statuses = [400, 429, 500, 503];
  let calls = 0;
  return (status = statuses[calls++ % statuses.length]) => {
    const message = `API key not valid. Please pass a valid API key. (key=${apiKey}; url=/v1beta/models/x?key=${apiKey})`;
    return {
      status,
      body:
        protocol === 'gemini'
          ? { error: { code: status, message, status: status === 400 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE' } }
          : { error: { message: `Incorrect API key provided: ${apiKey}.`, type: 'invalid_request_error' } },
    };
  };
}

type FakeHandler = (request: IncomingMessage, response: ServerResponse) => void;

const jsonAnswer =
  (answer: () => { status: number; body: unknown }): FakeHandler =>
  (_request, response) => {
    const { status, body } = answer();
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

/**
 * A Gemini upstream that streams the image event, then waits 800 ms before the final event with
 * `finishReason` and usage: a client that leaves after the image leaves before the usage arrives.
 */
function slowFinalEvent(imageBase64: string): FakeHandler {
  const usage = {
    promptTokenCount: 300,
    candidatesTokenCount: 1120,
    totalTokenCount: 1420,
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1120 }],
  };
  const imagePart = { inlineData: { mimeType: 'image/png', data: imageBase64 } };
  return (request, response) => {
    if (!request.url?.includes(':streamGenerateContent')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [imagePart] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: usage,
        }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (body: unknown) => `data: ${JSON.stringify(body)}\r\n\r\n`;
    response.write(event({ candidates: [{ content: { role: 'model', parts: [imagePart] }, index: 0 }] }));
    setTimeout(() => {
      response.end(
        event({
          candidates: [{ content: { role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: usage,
        }),
      );
    }, 800);
  };
}

async function startFake(handler: FakeHandler): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function startSoakUpstreams(options: { faultRate: number }): Promise<SoakUpstreams> {
  const faultKinds = [
    '503',
    '500',
    '429',
    'reset',
    'invalid-json',
    'html-error',
    'truncated-stream',
    'no-image',
  ];
  const faulting = await startUpstreamSim({ faults: faultKinds, faultRate: options.faultRate, seed: 7 });
  const healthy = await startUpstreamSim({ seed: 8 });
  const openAi = await startUpstreamSim({ seed: 9 });
  // Slow on purpose: a large request to it holds body memory long enough for others to queue.
  const slow = await startUpstreamSim({ faults: ['latency:1500ms'], seed: 10 });
  const keys = {
    faulting: providerKey('AIza', 'faulting'),
    healthy: providerKey('AIza', 'healthy'),
    slow: providerKey('AIza', 'slow'),
    openAi: providerKey('sk-', 'openai'),
    geminiEcho: providerKey('AIza', 'gemini-echo'),
    openAiEcho: providerKey('sk-', 'openai-echo'),
    openAiUnauthorized: providerKey('sk-', 'openai-401'),
    slowFinal: providerKey('AIza', 'slow-final'),
  };
  const geminiEcho = await startFake(jsonAnswer(keyEchoingHandler('gemini', keys.geminiEcho)));
  const openAiEcho = await startFake(jsonAnswer(keyEchoingHandler('openai', keys.openAiEcho)));
  const answerImage = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#2040c0' } })
    .png()
    .toBuffer();
  const slowFinal = await startFake(slowFinalEvent(answerImage.toString('base64')));
  const unauthorized = await startFake(
    jsonAnswer(() => ({
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${keys.openAiUnauthorized}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    })),
  );
  const channels: SoakChannel[] = [
    {
      name: 'faulting-sim',
      provider: 'gemini-compatible',
      url: faulting.url,
      apiKey: keys.faulting,
      models: [models.flash],
      priority: 2,
    },
    {
      name: 'healthy-sim',
      provider: 'gemini-compatible',
      url: healthy.url,
      apiKey: keys.healthy,
      models: [models.flash],
      priority: 1,
    },
    {
      name: 'slow-sim',
      provider: 'gemini-compatible',
      url: slow.url,
      apiKey: keys.slow,
      models: [models.pro],
      priority: 1,
    },
    {
      name: 'gemini-key-echo',
      provider: 'gemini-compatible',
      url: geminiEcho.url,
      apiKey: keys.geminiEcho,
      models: [models.pro],
      priority: 3,
    },
    {
      name: 'slow-final-event',
      provider: 'gemini-compatible',
      url: slowFinal.url,
      apiKey: keys.slowFinal,
      models: [models.pro],
      priority: 3,
    },
    {
      name: 'openai-sim',
      provider: 'openai-compatible',
      url: openAi.url,
      apiKey: keys.openAi,
      models: [models.gptImage, models.gptImageMini],
      priority: 1,
    },
    {
      name: 'openai-key-echo',
      provider: 'openai-compatible',
      url: openAiEcho.url,
      apiKey: keys.openAiEcho,
      models: [models.gptImageMini],
      priority: 3,
    },
    {
      name: 'openai-unauthorized',
      provider: 'openai-compatible',
      url: unauthorized.url,
      apiKey: keys.openAiUnauthorized,
      models: [models.gptImageMini],
      priority: 2,
    },
  ];
  const sims = [faulting, healthy, openAi, slow];
  return {
    channels,
    providerKeys: Object.values(keys),
    forgetRecords() {
      for (const sim of sims) sim.received.length = 0;
    },
    async close() {
      await Promise.all(sims.map((sim) => sim.close()));
      for (const fake of [geminiEcho, openAiEcho, unauthorized, slowFinal]) {
        fake.server.closeAllConnections();
        await new Promise((resolve) => fake.server.close(resolve));
      }
    },
  };
}
