// Keeps what the simulator received, as sent: tests assert the gateway's outgoing requests from it.

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
