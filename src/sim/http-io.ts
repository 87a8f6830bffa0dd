// Low-level request/response plumbing for the simulator: body reading, byte-exact sends, faults on
// the socket (reset, truncation), delays, and pulling the caller's key from where clients put it.

import type { IncomingMessage, ServerResponse } from 'node:http';

export const googleJsonType = 'application/json; charset=UTF-8';

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    ...headers,
  });
  response.end(bytes);
}

/** Declares the full length, sends only the first half, then drops the connection. */
export function sendTruncated(
  response: ServerResponse,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    ...headers,
  });
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
    setTimeout(() => response.socket?.destroy(), 20);
  });
}

/** Drops the TCP connection without an HTTP response (RST where the platform allows). */
export function resetConnection(response: ServerResponse): void {
  const socket = response.socket;
  if (!socket) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Writes `chunk` every `intervalMilliseconds` until the client goes away. */
export function writeForever(response: ServerResponse, chunk: string, intervalMilliseconds: number): void {
  const timer = setInterval(() => {
    if (response.destroyed || response.writableEnded) {
      clearInterval(timer);
      return;
    }
    response.write(chunk);
  }, intervalMilliseconds);
  response.on('close', () => clearInterval(timer));
  response.write(chunk);
}

/** Writes a chunk and waits until it has been handed to the socket (back-pressure aware). */
export function writeChunk(response: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (response.destroyed) {
      resolve();
      return;
    }
    const flushed = response.write(chunk);
    if (flushed) resolve();
    else {
      const done = () => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    }
  });
}

export function delay(milliseconds: number): Promise<void> {
  return milliseconds > 0 ? new Promise((resolve) => setTimeout(resolve, milliseconds)) : Promise.resolve();
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerToken(request: IncomingMessage): string | undefined {
  const authorization = headerValue(request, 'authorization');
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match ? match[1].trim() : undefined;
}

/** Google accepts the key from `x-goog-api-key`, `?key=` or an OAuth bearer token. */
export function googleCredential(request: IncomingMessage, query: URLSearchParams): string | undefined {
  return headerValue(request, 'x-goog-api-key') ?? query.get('key') ?? bearerToken(request);
}

export function simImageBytes(request: IncomingMessage): number | undefined {
  const value = headerValue(request, 'x-sim-image-bytes');
  const bytes = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}
