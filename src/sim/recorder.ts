// Keeps what the simulator received, as sent: tests assert the gateway's outgoing requests from it,
// including which model id each request named.

import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedFile {
  field: string;
  filename: string;
  mimeType: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON exactly as sent (unknown fields kept), multipart text fields, raw text, or undefined. */
  body: unknown;
  /** Files of a multipart body, in arrival order. */
  files: RecordedFile[];
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /**
   * The model id the request named, as sent: the `models/{id}` path segment of a Gemini or Vertex
   * call, or the `model` field of an OpenAI body (JSON or multipart); undefined when it named none.
   */
  model?: string;
}

// OpenAI's retrieve path takes the rest (`/v1/models/google/gemini-…`); Gemini and Vertex paths end
// the id at `:method`.
const modelInPath = [/^\/v1\/models\/([^:]+)$/, /\/models\/([^/:]+)/];

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The model id a request named, whether or not the simulator lists it. */
export function modelNamedBy(path: string, body: unknown): string | undefined {
  for (const pattern of modelInPath) {
    const match = pattern.exec(path);
    if (match) return decoded(match[1]);
  }
  if (typeof body !== 'object' || body === null || !('model' in body)) return undefined;
  const field = body.model;
  const value = Array.isArray(field) ? field[0] : field;
  return typeof value === 'string' ? value : undefined;
}

export class RequestRecorder {
  /** Live array: `reset()` empties it in place so references held by tests stay current. */
  readonly received: RecordedRequest[] = [];

  add(request: RecordedRequest): void {
    this.received.push(request);
  }

  clear(): void {
    this.received.length = 0;
  }
}
