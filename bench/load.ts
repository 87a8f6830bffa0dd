// The load generator: a keep-alive undici Pool, a fixed number of requests at a fixed concurrency
// (stopping early at a time cap), each answer read whole and checked against the upstream's image.
import { Pool } from 'undici';
import { checkImage, type ImageFingerprint } from './payloads.js';

export interface LoadPlan {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  expected: ImageFingerprint;
  concurrency: number;
  count: number;
  maxSeconds: number;
  /** The answer must be an SSE stream (the image inside one `data:` event). */
  sse?: boolean;
  onProgress?: (done: number) => void;
}

export interface LoadResult {
  sent: number;
  latenciesMs: number[];
  seconds: number;
  failures: number;
  firstFailure?: string;
  /** HTTP status of the first failed answer (404 means the route does not exist). */
  firstFailureStatus?: number;
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Every answer is checked by length, head and tail of the image; `full` compares every byte. */
function answerProblem(status: number, body: Buffer, plan: LoadPlan, full: boolean): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.toString('utf8', 0, 200)}`;
  if (plan.sse && !body.toString('latin1', 0, 5).startsWith('data:')) {
    return `not an SSE stream: ${body.toString('utf8', 0, 80)}`;
  }
  return checkImage(body, plan.expected, full);
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const pool = new Pool(plan.origin, {
    connections: plan.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const result: LoadResult = { sent: 0, latenciesMs: [], seconds: 0, failures: 0 };
  const started = performance.now();
  const stopAt = started + plan.maxSeconds * 1000;
  let checkedFully = false;

  const fail = (reason: string, status?: number) => {
    result.failures += 1;
    if (result.firstFailure === undefined) {
      result.firstFailure = reason;
      result.firstFailureStatus = status;
    }
  };

  const worker = async () => {
    while (result.sent < plan.count && performance.now() < stopAt) {
      result.sent += 1;
      const begin = performance.now();
      try {
        const answer = await pool.request({
          path: plan.path,
          method: 'POST',
          headers: plan.headers,
          body: plan.body,
        });
        const body = await readAll(answer.body);
        const elapsed = performance.now() - begin;
        const problem = answerProblem(answer.statusCode, body, plan, !checkedFully);
        if (answer.statusCode === 200) checkedFully = true;
        if (problem) fail(problem, answer.statusCode);
        else result.latenciesMs.push(elapsed);
      } catch (error) {
        fail(`${(error as Error).name}: ${(error as Error).message}`);
      } finally {
        plan.onProgress?.(result.sent);
      }
    }
  };

  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  result.seconds = (performance.now() - started) / 1000;
  await pool.close();
  return result;
}
