// Writes a `text/event-stream` reply frame by frame with backpressure; frames from parallel
// sub-calls interleave whole (each frame is one write), never mid-frame.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private started = false;

  constructor(private readonly raw: ServerResponse) {}

  get isOpen(): boolean {
    return !this.raw.destroyed && !this.raw.writableEnded;
  }

  start(headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
  }

  async write(frame: string): Promise<void> {
    if (!this.isOpen) return;
    if (!this.raw.write(frame)) await Promise.race([once(this.raw, 'drain'), once(this.raw, 'close')]);
  }

  end(): void {
    if (this.isOpen) this.raw.end();
  }
}
