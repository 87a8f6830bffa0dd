// Reads a text/event-stream body event by event, at the byte level (the WHATWG event stream format:
// CRLF, LF and CR line ends, comments, `data` lines joined by LF, `event` and `id` fields, no line
// length cap). An upstream sends a whole image in one `data:` line of 10+ MB; string parsers decode
// every chunk to text and rescan the growing line on every chunk, then the relay encodes it back to
// bytes. Here each new chunk is scanned once and a line is kept as the chunks it arrived in: an
// event's data is those pieces, parsed with its image strings skipped (src/canonical/byte-pieces.ts)
// and relayed as they are, so the process holds one copy of the event.

import { BytePieces } from '../canonical/byte-pieces.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const utf8Bom = Buffer.from([0xef, 0xbb, 0xbf]);
const lineFeed = Buffer.from([LF]);

export class ServerSentEvent {
  constructor(
    /** The event type; undefined when the stream named none (a "message"). */
    readonly event: string | undefined,
    /** The data lines joined by LF, as the pieces of the chunks they arrived in. */
    readonly pieces: Buffer[],
    /** This event's own `id` field, if it had one. */
    readonly id: string | undefined,
  ) {}

  /** The data as one buffer (a copy when it arrived in several chunks). */
  get bytes(): Buffer {
    return this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces);
  }

  /** The data as UTF-8 text. */
  get data(): string {
    return this.bytes.toString('utf8');
  }
}

/** Splits chunks into lines, each line the views of the chunks it spans (nothing is copied). */
class LineSplitter {
  private parts: Buffer[] = [];
  /** The last chunk ended in CR: an LF starting the next one belongs to the same line end. */
  private afterCarriageReturn = false;

  *push(chunk: Buffer): Generator<Buffer[]> {
    let start = 0;
    if (this.afterCarriageReturn && chunk.length > 0) {
      this.afterCarriageReturn = false;
      if (chunk[0] === LF) start = 1;
    }
    while (start < chunk.length) {
      const end = lineEnd(chunk, start);
      if (end < 0) {
        this.parts.push(chunk.subarray(start));
        return;
      }
      yield this.finish(chunk.subarray(start, end));
      start = end + 1;
      if (chunk[end] === CR) {
        if (start === chunk.length) {
          this.afterCarriageReturn = true;
          return;
        }
        if (chunk[start] === LF) start += 1;
      }
    }
  }

  private finish(last: Buffer): Buffer[] {
    if (this.parts.length === 0) return [last];
    const line = this.parts;
    line.push(last);
    this.parts = [];
    return line;
  }
}

/** The index of the first CR or LF at or after `start`, or -1. */
function lineEnd(chunk: Buffer, start: number): number {
  const lf = chunk.indexOf(LF, start);
  const cr = (lf < 0 ? chunk : chunk.subarray(0, lf)).indexOf(CR, start);
  return cr < 0 ? lf : cr;
}

export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const lines = new LineSplitter();
  let data: Buffer[] = [];
  let dataLines = 0;
  let eventType: string | undefined;
  let eventId: string | undefined;
  let first = true;
  for await (const received of body) {
    let chunk = Buffer.isBuffer(received)
      ? received
      : Buffer.from(received.buffer, received.byteOffset, received.byteLength);
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.subarray(0, 3).equals(utf8Bom)) chunk = chunk.subarray(3);
    }
    for (const pieces of lines.push(chunk)) {
      const line = new BytePieces(pieces);
      if (line.length === 0) {
        // A blank line dispatches the event, if it carried data.
        if (dataLines > 0) yield new ServerSentEvent(eventType, data, eventId);
        data = [];
        dataLines = 0;
        eventType = undefined;
        eventId = undefined;
        continue;
      }
      if (line.at(0) === COLON) continue; // a comment
      const colon = line.indexOfByte(COLON, 0);
      const name =
        colon < 0 ? line.slice(0, line.length).toString('utf8') : line.slice(0, colon).toString('utf8');
      let valueStart = colon < 0 ? line.length : colon + 1;
      if (line.at(valueStart) === SPACE) valueStart += 1;
      if (name === 'data') {
        if (dataLines > 0) data.push(lineFeed);
        data.push(...line.views(valueStart, line.length));
        dataLines += 1;
      } else if (name === 'event') eventType = line.slice(valueStart, line.length).toString('utf8');
      else if (name === 'id') {
        const value = line.slice(valueStart, line.length);
        if (!value.includes(0)) eventId = value.toString('utf8');
      }
      // `retry` and unknown fields are ignored, as the format says.
    }
  }
  // An event not closed by a blank line when the stream ends is not dispatched.
}
