// Writes streamed Gemini answers to the client: SSE (`data: …\r\n\r\n`, as Google frames it) or the
// JSON-array form, event by event with backpressure, relaying native upstream JSON bytes unchanged.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { UpstreamEvent } from '../../providers/types.js';

export type StreamForm = 'sse' | 'array';

export class GeminiStreamWriter {
  private written = 0;

  constructor(
    private readonly raw: ServerResponse,
    private readonly form: StreamForm,
  ) {}

  start(headers: Record<string, string>): void {
    this.raw.writeHead(200, {
      ...headers,
      'content-type': this.form === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
  }

  async event(event: UpstreamEvent): Promise<void> {
    await this.writeJson(event.rawJson ?? JSON.stringify(event.response));
  }

  async error(body: unknown): Promise<void> {
    await this.writeJson(JSON.stringify(body));
  }

  async end(): Promise<void> {
    if (this.form === 'array') this.raw.write(this.written === 0 ? '[]' : ']');
    this.raw.end();
  }

  private async writeJson(json: string | Buffer[]): Promise<void> {
    if (this.raw.destroyed) return;
    // Prefix, event and suffix are written separately (corked into one send): a multi-megabyte image
    // event is not copied into a new string just to frame it.
    const prefix = this.form === 'sse' ? 'data: ' : this.written === 0 ? '[' : '\n,\r\n';
    this.written += 1;
    this.raw.cork();
    this.raw.write(prefix);
    let flushed = true;
    if (typeof json === 'string') flushed = this.raw.write(json);
    else for (const piece of json) flushed = this.raw.write(piece);
    if (this.form === 'sse') flushed = this.raw.write('\r\n\r\n');
    process.nextTick(() => this.raw.uncork());
    if (!flushed && this.raw.writableNeedDrain) {
      await Promise.race([once(this.raw, 'drain'), once(this.raw, 'close')]);
    }
  }
}
