// Writes a `text/event-stream` reply frame by frame with backpressure (frames from parallel
// sub-calls interleave whole, never mid-frame), and opens such a reply for n streamed sub-calls.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../../canonical/errors.js';
import type { GenerationDeps } from '../../pipeline/generation.js';
import { mostTellingFailure, type OpenedSubStream, openSubStreams, type SubCall } from './fan-out.js';

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

  /** One frame, whole or in pieces (written back to back, with no copy to join them). */
  async write(frame: string | Buffer | readonly Buffer[]): Promise<void> {
    if (!this.isOpen) return;
    let flowing = true;
    if (typeof frame === 'string' || Buffer.isBuffer(frame)) flowing = this.raw.write(frame);
    else {
      this.raw.cork();
      for (const piece of frame) flowing = this.raw.write(piece);
      this.raw.uncork();
    }
    // Node 24 can drain a corked write during uncork() itself, emitting 'drain' before a listener
    // could be attached: wait only while the stream still says it needs one.
    if (!flowing && this.raw.writableNeedDrain) {
      await Promise.race([once(this.raw, 'drain'), once(this.raw, 'close')]);
    }
  }

  end(): void {
    if (this.isOpen) this.raw.end();
  }
}

export interface SseReply {
  writer: SseWriter;
  opened: OpenedSubStream[];
  /** Sub-calls that failed before their first event (already logged). */
  failures: GatewayError[];
  /** Ends the reply and stops watching for the client leaving. */
  close(): void;
}

/**
 * Opens every sub-call's stream (aborting them if the client leaves); when none opens, throws the
 * most telling failure as an ordinary HTTP error. Otherwise takes over the reply as an SSE stream.
 */
export async function openSseReply(
  gateway: GenerationDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  subCalls: readonly SubCall[],
): Promise<SseReply> {
  const raw = reply.raw;
  const { opened, failures } = await openSubStreams(gateway, subCalls);
  if (opened.length === 0) throw mostTellingFailure(failures);
  const writer = new SseWriter(raw);
  reply.hijack();
  writer.start({
    'x-request-id': request.id,
    'x-imagegate-channel': [...new Set(opened.map((entry) => entry.stream.channel))].join(','),
  });
  return {
    writer,
    opened,
    failures,
    close() {
      writer.end();
    },
  };
}
