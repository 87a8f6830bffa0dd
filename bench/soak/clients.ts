// The soak's HTTP clients on node:http, including the rude ones: a client that leaves after the
// image event, while its body is queued or half sent, a paced chunked upload, and one that stalls.
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { imagesIn } from './observations.js';

export interface Reply {
  status: number;
  body: string;
}

// A new connection per request: a reused keep-alive socket that the gateway closes at the same
// moment fails with ECONNRESET, which would read as the gateway's fault.
function open(url: string, method: string, headers: Record<string, string | number>): ClientRequest {
  return httpRequest(url, { method, headers, agent: false });
}

/**
 * A gateway that refuses a body early answers and closes while the client still writes: the write
 * fails (EPIPE, ECONNRESET) just before the answer is read. Wait a moment for that answer.
 */
function onFailure(request: ClientRequest, fail: (message: string) => void): void {
  request.on('error', (error) => setTimeout(() => fail(error.message), 250));
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('aborted')));
  });
}

/** One request and its whole answer; status 0 when no answer came within `timeoutMs`. */
export function exchange(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    /** Leave (destroy the socket) this long after sending: a client that goes away mid-request. */
    leaveAfterMs?: number;
  } = {},
): Promise<Reply> {
  return new Promise((resolve) => {
    const body = options.body;
    const headers: Record<string, string | number> = { ...options.headers };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const request = open(url, options.method ?? (body === undefined ? 'GET' : 'POST'), headers);
    let settled = false;
    const finish = (reply: Reply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reply);
    };
    const timer = setTimeout(
      () => {
        request.destroy();
        finish({ status: 0, body: `no answer within ${options.timeoutMs ?? 60_000} ms` });
      },
      options.leaveAfterMs ?? options.timeoutMs ?? 60_000,
    );
    request.on('response', (response) => {
      readAll(response).then(
        (text) => finish({ status: response.statusCode ?? 0, body: text }),
        (error: Error) => finish({ status: 0, body: error.message }),
      );
    });
    onFailure(request, (message) => finish({ status: 0, body: message }));
    request.end(body);
  });
}

/**
 * Streams an answer and leaves right after the first complete event that carries an image.
 * Returns the events read whole (what the client got), and whether it left before the end.
 */
export function streamUntilImage(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs = 60_000,
): Promise<Reply & { leftAfterImage: boolean }> {
  return new Promise((resolve) => {
    const request = open(url, 'POST', { ...headers, 'content-length': Buffer.byteLength(body) });
    let settled = false;
    const finish = (reply: Reply & { leftAfterImage: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(reply);
    };
    const timer = setTimeout(
      () => finish({ status: 0, body: 'no image event in time', leftAfterImage: false }),
      timeoutMs,
    );
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        const complete = text.slice(0, Math.max(text.lastIndexOf('\n\n'), text.lastIndexOf('\r\n\r\n')) + 1);
        if (imagesIn(complete).length > 0)
          finish({ status: response.statusCode ?? 0, body: complete, leftAfterImage: true });
      });
      response.on('end', () =>
        finish({ status: response.statusCode ?? 0, body: text, leftAfterImage: false }),
      );
      response.on('error', () =>
        finish({ status: response.statusCode ?? 0, body: text, leftAfterImage: false }),
      );
    });
    onFailure(request, (message) => finish({ status: 0, body: message, leftAfterImage: false }));
    request.end(body);
  });
}

/**
 * Announces a `declaredBytes` body, sends `sentBytes` of it and leaves after `leaveAfterMs`
 * (while queued for body memory, or while sending). Returns the answer if one came first.
 */
export function leaveWhileSending(
  url: string,
  headers: Record<string, string>,
  declaredBytes: number,
  sentBytes: number,
  leaveAfterMs: number,
): Promise<Reply | undefined> {
  return new Promise((resolve) => {
    const request = open(url, 'POST', { ...headers, 'content-length': declaredBytes });
    let answer: Reply | undefined;
    request.on('response', (response) => {
      readAll(response).then(
        (text) => {
          answer = { status: response.statusCode ?? 0, body: text };
        },
        () => {},
      );
    });
    request.on('error', () => {});
    request.write(Buffer.alloc(sentBytes, 0x7b));
    setTimeout(() => {
      request.destroy();
      resolve(answer);
    }, leaveAfterMs);
  });
}

export interface PacedUpload extends Reply {
  /** Share of the body written when the answer's headers arrived (1 = all of it). */
  sentShareAtAnswer: number;
}

/**
 * A chunked upload (no Content-Length) written in `chunkBytes` pieces every `pauseMs`; stops
 * writing once an answer arrives. A gateway that checks the key first answers after a few pieces.
 */
export function pacedChunkedUpload(
  url: string,
  headers: Record<string, string>,
  totalBytes: number,
  chunkBytes = 64 * 1024,
  pauseMs = 25,
  timeoutMs = 60_000,
): Promise<PacedUpload> {
  return new Promise((resolve) => {
    const request = open(url, 'POST', { ...headers, 'transfer-encoding': 'chunked' });
    let written = 0;
    let answeredAt: number | undefined;
    let settled = false;
    const piece = Buffer.alloc(chunkBytes, 0x5b);
    const finish = (reply: Reply) => {
      if (settled) return;
      settled = true;
      clearInterval(writer);
      clearTimeout(timer);
      request.destroy();
      resolve({ ...reply, sentShareAtAnswer: (answeredAt ?? written) / totalBytes });
    };
    const writer = setInterval(() => {
      if (answeredAt !== undefined) return;
      if (written >= totalBytes) {
        clearInterval(writer);
        request.end();
        return;
      }
      request.write(piece);
      written += piece.length;
    }, pauseMs);
    const timer = setTimeout(
      () => finish({ status: 0, body: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    request.on('response', (response) => {
      answeredAt = written;
      readAll(response).then(
        (text) => finish({ status: response.statusCode ?? 0, body: text }),
        (error: Error) => finish({ status: response.statusCode ?? 0, body: error.message }),
      );
    });
    onFailure(request, (message) => finish({ status: 0, body: message }));
  });
}

/** A chunked request that sends one piece and then nothing: it must still get an answer. */
export function stalledChunked(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Reply> {
  return new Promise((resolve) => {
    const request = open(url, 'POST', { ...headers, 'transfer-encoding': 'chunked' });
    let settled = false;
    const finish = (reply: Reply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(reply);
    };
    const timer = setTimeout(
      () => finish({ status: 0, body: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    request.on('response', (response) => {
      readAll(response).then(
        (text) => finish({ status: response.statusCode ?? 0, body: text }),
        (error: Error) => finish({ status: response.statusCode ?? 0, body: error.message }),
      );
    });
    onFailure(request, (message) => finish({ status: 0, body: message }));
    request.write('{"contents": [');
  });
}
