// A fixed-response Gemini upstream for the bench: no image work, just precomputed answers of the
// request's size class (and one 8 MB SSE image event), with a request counter. Runs in its own
// process; prints {"port":N} on stdout when listening.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  BENCH_IMAGE_TOKENS,
  BENCH_MODEL,
  answerFingerprint,
  type ImageKind,
  sizeClassOfRequest,
} from './payloads.js';

export const STATS_PATH = '/__bench/stats';

export interface UpstreamStats {
  requests: number;
  generate: number;
  stream: number;
}

export function benchUsageMetadata(promptTokens: number) {
  return {
    promptTokenCount: promptTokens,
    candidatesTokenCount: BENCH_IMAGE_TOKENS,
    totalTokenCount: promptTokens + BENCH_IMAGE_TOKENS,
    promptTokensDetails: [
      { modality: 'TEXT', tokenCount: 14 },
      { modality: 'IMAGE', tokenCount: promptTokens - 14 },
    ],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: BENCH_IMAGE_TOKENS }],
  };
}

function imageCandidate(kind: ImageKind, finishReason?: string) {
  return {
    content: {
      role: 'model',
      parts: [
        { inlineData: { mimeType: 'image/png', data: answerFingerprint(kind).base64.toString('latin1') } },
      ],
    },
    ...(finishReason ? { finishReason } : {}),
    index: 0,
  };
}

function unaryAnswer(kind: ImageKind): Buffer {
  return Buffer.from(
    JSON.stringify({
      candidates: [imageCandidate(kind, 'STOP')],
      usageMetadata: benchUsageMetadata(272),
      modelVersion: BENCH_MODEL,
      responseId: `bench-${kind}`,
    }),
  );
}

/** Like Gemini's alt=sse: the image in one event, then a closing event with finishReason and usage. */
function streamAnswer(): Buffer {
  const imageEvent = { candidates: [imageCandidate('stream8MB')], modelVersion: BENCH_MODEL };
  const closing = {
    candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: benchUsageMetadata(272),
    modelVersion: BENCH_MODEL,
  };
  return Buffer.from(`data: ${JSON.stringify(imageEvent)}\r\n\r\ndata: ${JSON.stringify(closing)}\r\n\r\n`);
}

export function startFixedUpstream(port = 0): Promise<{ port: number; close(): void }> {
  const answers = { '1KB': unaryAnswer('1KB'), '1MB': unaryAnswer('1MB'), '10MB': unaryAnswer('10MB') };
  const sse = streamAnswer();
  const stats: UpstreamStats = { requests: 0, generate: 0, stream: 0 };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === STATS_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    request.on('end', () => {
      stats.requests += 1;
      if (request.method === 'POST' && path.endsWith(':streamGenerateContent')) {
        stats.stream += 1;
        response.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': sse.length });
        response.end(sse);
        return;
      }
      if (request.method === 'POST' && path.endsWith(':generateContent')) {
        stats.generate += 1;
        const answer = answers[sizeClassOfRequest(bodyBytes)];
        response.writeHead(200, {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': answer.length,
        });
        response.end(answer);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 404, message: `no bench route ${path}` } }));
    });
  };

  const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handle);
  server.maxRequestsPerSocket = 0;
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => server.close(),
      });
    });
  });
}

if (process.env.IMAGEGATE_BENCH_UPSTREAM_CHILD === '1') {
  const { port } = await startFixedUpstream();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

/** Starts the fixed upstream in its own process (so its CPU and memory stay out of the proxy's). */
export async function launchFixedUpstream(): Promise<{ origin: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/fixed-upstream.ts'], {
    env: { ...process.env, IMAGEGATE_BENCH_UPSTREAM_CHILD: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.once('exit', (code) => reject(new Error(`fixed upstream exited (${code}) before listening`)));
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const line = seen.split('\n')[0];
      if (seen.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
