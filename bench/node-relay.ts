// A bare Node relay, the floor of Node's own HTTP stack: a `node:http` server that streams each body
// through an undici Pool to the fixed upstream and back, with no parsing, checks or bookkeeping.
// The bench runs it beside the gateway so each run shows what any Node proxy costs on that machine.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.IMAGEGATE_BENCH_RELAY_UPSTREAM;
const port = Number(process.env.IMAGEGATE_BENCH_RELAY_PORT);
if (!upstream || !port)
  throw new Error('IMAGEGATE_BENCH_RELAY_UPSTREAM and IMAGEGATE_BENCH_RELAY_PORT are required');

const pool = new Pool(upstream, { connections: 128, pipelining: 1 });

/** The named headers of `source` that hold one string value. */
function pickHeaders(source: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

createServer(async (request, response) => {
  try {
    const answer = await pool.request({
      path: request.url ?? '/',
      method: request.method as 'GET' | 'POST',
      headers: pickHeaders(request.headers, ['content-type', 'content-length', 'x-goog-api-key']),
      body: request.method === 'GET' ? undefined : request,
    });
    response.writeHead(answer.statusCode, pickHeaders(answer.headers, ['content-type', 'content-length']));
    answer.body.pipe(response);
  } catch (error) {
    response.writeHead(502, { 'content-type': 'text/plain' }).end(String(error));
  }
}).listen(port, '127.0.0.1');
