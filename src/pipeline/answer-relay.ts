// Relays a large upstream answer to the client while it is still arriving (Gemini door, the
// upstream's own bytes). The provider commits to its route once the answer's head shows an image
// string well begun (src/canonical/find-image-strings.ts, imageStringBegun): from then on the attempt
// can no longer fail over, and a route that breaks off mid-answer closes the client's connection (an
// answer visibly cut short, never a wrong one). The newest chunk is always held back, and the rest of
// the answer is written only after the settle is durable (journaled or committed): an answer still
// follows its bill.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { UpstreamRelay } from '../providers/types.js';

/**
 * Whether a request's answer must be read whole before any of it is sent: thought images come
 * before the final one and may look alike in an answer's head.
 */
export function answerReadWhole(request: { generationConfig?: unknown }): boolean {
  const config = request.generationConfig as { thinkingConfig?: { includeThoughts?: unknown } } | undefined;
  return config?.thinkingConfig?.includeThoughts === true;
}

export class AnswerRelay implements UpstreamRelay {
  private begun = false;
  /** Bytes of the answer written to the client so far. */
  private written = 0;

  constructor(private readonly reply: FastifyReply) {}

  get started(): boolean {
    return this.begun;
  }

  get sentBytes(): number {
    return this.written;
  }

  begin(channel: string, contentLength: number): void {
    this.begun = true;
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      ...(this.reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'application/json; charset=UTF-8',
      'content-length': String(contentLength),
      'x-imagegate-channel': channel,
    });
  }

  sendUpTo(answer: Buffer, end: number): void {
    if (end <= this.written || this.reply.raw.destroyed) return;
    this.reply.raw.write(answer.subarray(this.written, end));
    this.written = end;
  }

  /** After the settle: the part of the answer not written yet. */
  finish(answer: Buffer): void {
    this.reply.raw.end(answer.subarray(this.written));
  }

  /** The route failed after the answer began: close the connection, so the client sees it cut short. */
  abandon(): void {
    this.reply.raw.destroy();
  }
}
