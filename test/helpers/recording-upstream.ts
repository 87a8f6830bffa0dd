// A loopback upstream for wire fixture tests: it keeps every request it receives (method, path,
// headers, body bytes) and answers with a recorded fixture, whole or as a stream written in chunks
// split at chosen byte offsets (inside an image string, inside a multi-byte character).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface RecordedRequest {
  method: string;
  /** Path and query string, as the client sent them. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** The body as bytes, or as chunks written one at a time with a pause between them. */
  body?: Buffer;
  chunks?: Buffer[];
}

export interface RecordingUpstream {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Long enough for each chunk to leave as its own TCP segment and reach the client on its own. */
const pauseBetweenChunksMs = 5;

async function write(response: ServerResponse, answer: RecordedAnswer): Promise<void> {
  if (answer.chunks === undefined) {
    // A whole body goes with its length, as upstreams send a unary answer (the gateway reads a
    // declared length differently: it counts it and watches large ones for image strings).
    const length = answer.body === undefined ? {} : { 'content-length': String(answer.body.length) };
    response.writeHead(answer.status, { ...length, ...answer.headers });
    response.end(answer.body);
    return;
  }
  response.writeHead(answer.status, answer.headers ?? {});
  response.flushHeaders();
  for (const chunk of answer.chunks) {
    response.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, pauseBetweenChunksMs));
  }
  response.end();
}

/** Starts the upstream; `answerFor` picks the answer from the request (a token endpoint, a model call). */
export async function startRecordingUpstream(
  answerFor: (request: RecordedRequest) => RecordedAnswer,
): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, response) => {
    const pieces: Buffer[] = [];
    incoming.on('data', (piece: Buffer) => pieces.push(piece));
    incoming.on('end', () => {
      const request: RecordedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(pieces),
      };
      requests.push(request);
      response.socket?.setNoDelay(true);
      write(response, answerFor(request)).catch(() => response.destroy());
    });
  });
  return { ...(await listenOnLoopback(server)), requests };
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The event payloads of a `.chunks.txt` fixture: one JSON data payload per line, as the upstream sent it. */
export function readChunkLines(name: string): string[] {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Cuts `bytes` at each offset (sorted, duplicates dropped): the chunks a stream arrives in. */
export function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets)].filter((offset) => offset > 0 && offset < bytes.length);
  cuts.sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** An offset in the middle of the first base64 image string (`"data": "…"` or `"b64_json": "…"`). */
export function insideImageString(bytes: Buffer): number {
  const match = /"(?:data|b64_json)": ?"(iVBOR[A-Za-z0-9+/=]+)"/.exec(bytes.toString('latin1'));
  if (!match) throw new Error('the stream holds no base64 PNG string');
  return match.index + match[0].indexOf(match[1]) + Math.floor(match[1].length / 2);
}

/** The offset just after the lead byte of the first multi-byte UTF-8 character: the cut splits it. */
export function insideMultiByteCharacter(bytes: Buffer): number {
  const lead = bytes.findIndex((byte) => byte >= 0xc0);
  if (lead < 0) throw new Error('the stream holds no multi-byte character');
  return lead + 1;
}

/** Width and height from a PNG's IHDR chunk (what a test needs to know the bytes are the image). */
export function pngSize(base64: string): { width: number; height: number } {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
