// Relays a large chat completion while the upstream's Gemini answer still arrives. Once that answer
// shows its image under way (src/server/answer-relay.ts has the rule), the completion's head — every
// byte up to the first image's base64 — is sent, then the base64 as it arrives; the rest (later
// images, the text, finish reason and usage) is written once the answer is whole and its settle has
// committed. The client gets the same bytes as an answer built whole, sent in chunked encoding.
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../../canonical/errors.js';
import { lazyImageSource } from '../../canonical/skip-image-strings.js';
import type { GenerateContentResponse } from '../../canonical/types.js';
import type { UpstreamRelay } from '../../providers/types.js';
import { beginRelayedAnswer } from '../../server/answer-relay.js';
import { type ChatReplyMeta, chatCompletionHead, firstInlineImage } from './from-canonical.js';

const quote = 0x22;
const backslash = 0x5c;

/** `"mimeType": "image/png", "data": "` (or snake_case) right before the image string, else none. */
const mimeTypeBeforeData = /"mime_?[tT]ype"\s*:\s*"([^"\\]{1,127})"\s*,\s*"data"\s*:\s*"$/;

/** The mime type declared just before the string that starts at `imageStart`, in the same object. */
export function mimeTypeBefore(answer: Buffer, imageStart: number): string | undefined {
  const window = answer.toString('latin1', Math.max(0, imageStart - 256), imageStart);
  return mimeTypeBeforeData.exec(window)?.[1];
}

export class ChatCompletionRelay implements UpstreamRelay {
  private head?: Buffer;
  private mimeType = '';
  private answer?: Buffer;
  /** Where the image's base64 starts in the upstream answer, and how much of it was sent. */
  private imageStart = 0;
  private imageSent = 0;
  /** False once the image string ended (or showed an escape): later bytes wait for the whole answer. */
  private imageOpen = true;

  constructor(
    private readonly reply: FastifyReply,
    private readonly meta: ChatReplyMeta,
  ) {}

  get started(): boolean {
    return this.head !== undefined;
  }

  begin(channel: string, answer: Buffer, imageStart: number): boolean {
    const mimeType = mimeTypeBefore(answer, imageStart);
    if (!mimeType?.startsWith('image/')) return false;
    this.head = chatCompletionHead(this.meta, mimeType);
    this.mimeType = mimeType;
    this.answer = answer;
    this.imageStart = imageStart;
    beginRelayedAnswer(this.reply, {
      'content-type': 'application/json; charset=utf-8',
      'x-imagegate-channel': channel,
    });
    this.reply.raw.write(this.head);
    return true;
  }

  sendUpTo(answer: Buffer, end: number): void {
    if (!this.imageOpen || this.reply.raw.destroyed) return;
    const from = this.imageStart + this.imageSent;
    if (end <= from) return;
    const fresh = answer.subarray(from, end);
    // base64 has neither; the string's end or an escape stops the relay of raw bytes.
    const stops = [fresh.indexOf(quote), fresh.indexOf(backslash)].filter((at) => at >= 0);
    const length = stops.length > 0 ? Math.min(...stops) : fresh.length;
    if (stops.length > 0) this.imageOpen = false;
    if (length === 0) return;
    this.reply.raw.write(fresh.subarray(0, length));
    this.imageSent += length;
  }

  /** The completion's first image must be the one whose head was sent, with the same mime type. */
  check(response: GenerateContentResponse): void {
    const image = firstInlineImage(response);
    if (image?.mimeType === this.mimeType && this.sentIsHeadOf(image)) return;
    throw new GatewayError({
      errorClass: 'upstream_bug',
      httpStatus: 502,
      message: 'The upstream answer did not end the way it began; the relayed answer was cut short.',
    });
  }

  private sentIsHeadOf(image: { data?: unknown }): boolean {
    const answer = this.answer as Buffer;
    const sent = answer.subarray(this.imageStart, this.imageStart + this.imageSent);
    const source = lazyImageSource(image);
    const data = source ? source.bytes() : Buffer.from(String(image.data ?? ''), 'latin1');
    if (data.buffer === answer.buffer && data.byteOffset === sent.byteOffset) return true;
    return data.length >= sent.length && sent.equals(data.subarray(0, sent.length));
  }

  /** After the settle: the completion's bytes not sent yet (`pieces` is the whole completion). */
  finish(pieces: readonly Buffer[]): void {
    let skip = (this.head?.length ?? 0) + this.imageSent;
    for (const piece of pieces) {
      if (skip >= piece.length) {
        skip -= piece.length;
        continue;
      }
      this.reply.raw.write(skip > 0 ? piece.subarray(skip) : piece);
      skip = 0;
    }
    this.reply.raw.end();
  }

  /** The route failed after the answer began: close the connection, so the client sees it cut short. */
  abandon(): void {
    this.reply.raw.destroy();
  }
}
