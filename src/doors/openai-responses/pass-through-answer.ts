// Reads a relayed Responses answer for billing, without changing it: the final Response (from the
// JSON body or the stream's `response.completed`), whether it failed, and the image_generation_call
// items completed so far (an image that reached the client is charged even if the stream breaks).
import { readServerSentEvents } from '../../providers/read-sse.js';
import type { SseWriter } from '../openai-common/sse-writer.js';
import { record } from '../../canonical/json-record.js';

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Completed image_generation_call items of a Response's output. */
export function completedImageCalls(response: unknown): number {
  const output = record(response)?.output;
  if (!Array.isArray(output)) return 0;
  return output.filter((item) => {
    const entry = record(item);
    return entry?.type === 'image_generation_call' && entry.status === 'completed';
  }).length;
}

/** What a relayed answer told the gateway, as it went by. */
export class PassThroughTally {
  /** The final Response: the JSON answer, or the stream's response.completed (or incomplete). */
  response?: Record<string, unknown>;
  /** The stream said response.failed or error. */
  failed = false;
  /** Images that went out (a stream's image items as they completed; a JSON answer's once sent). */
  imagesOut = 0;
  /** The last event's sequence_number, so an event the gateway adds continues the count. */
  lastSequence = -1;

  /** One stream event: its type and JSON data. */
  onEvent(type: string | undefined, data: string): void {
    const event = record(parse(data));
    const kind = type ?? (typeof event?.type === 'string' ? event.type : undefined);
    if (typeof event?.sequence_number === 'number') this.lastSequence = event.sequence_number;
    if (kind === 'response.output_item.done') {
      const item = record(event?.item);
      if (item?.type === 'image_generation_call' && item.status === 'completed') this.imagesOut += 1;
    } else if (kind === 'response.completed' || kind === 'response.incomplete') {
      this.response = record(event?.response);
    } else if (kind === 'response.failed' || kind === 'error') {
      this.failed = true;
    }
  }
}

/**
 * The stream's `error` event (ResponseErrorEvent) for a stream the upstream broke off: the client
 * learns the response will not complete instead of seeing the stream simply end.
 */
export function errorFrame(
  error: { message: string; code: string | null; param: string | null },
  tally: PassThroughTally,
): string {
  const data = {
    type: 'error',
    code: error.code,
    message: error.message,
    param: error.param,
    sequence_number: tally.lastSequence + 1,
  };
  return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The bytes of one SSE frame as the upstream named it. */
function frame(event: string | undefined, id: string | undefined, pieces: readonly Buffer[]): Buffer[] {
  const head = `${event === undefined ? '' : `event: ${event}\n`}${id === undefined ? '' : `id: ${id}\n`}`;
  // Data of several lines (rare: JSON events are one line) goes out as several `data:` lines.
  if (pieces.some((piece) => piece.includes(0x0a))) {
    const lines = Buffer.concat(pieces).toString('utf8').split('\n');
    return [Buffer.from(`${head}${lines.map((line) => `data: ${line}\n`).join('')}\n`)];
  }
  return [Buffer.from(`${head}data: `), ...pieces, Buffer.from('\n\n')];
}

/**
 * Relays each event of `body` to `writer` in order, whole, and tallies it once it went out.
 */
export async function relayEvents(
  body: AsyncIterable<Uint8Array>,
  writer: SseWriter,
  tally: PassThroughTally,
): Promise<void> {
  for await (const event of readServerSentEvents(body)) {
    if (!writer.isOpen) return;
    await writer.write(frame(event.event, event.id, event.pieces));
    if (!writer.isOpen) return;
    tally.onEvent(event.event, event.data);
  }
}
