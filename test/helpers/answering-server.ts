// A loopback HTTP server that answers every request with what a test's handler writes, and keeps the
// URLs it was asked for: for clients whose answers a test must shape byte by byte (hostile upstreams).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface AnsweringServer {
  url: string;
  /** Path and query of every request, in order. */
  requests: Array<{ url: URL; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

export async function startAnsweringServer(
  answer: (request: IncomingMessage, response: ServerResponse, url: URL) => void,
): Promise<AnsweringServer> {
  const requests: AnsweringServer['requests'] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push({ url, headers: request.headers });
    request.resume();
    answer(request, response, url);
  });
  return { ...(await listenOnLoopback(server)), requests };
}

/** Writes `value` as a JSON answer with the given status. */
export function answerJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof value === 'string' ? value : JSON.stringify(value));
}
