// Reads a text/event-stream body event by event, with no line-length cap: a multi-megabyte image
// event arrives whole. CRLF, LF and CR framing are all accepted (eventsource-parser).
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) yield pending.shift()!;
  }
  parser.feed(decoder.decode());
  while (pending.length > 0) yield pending.shift()!;
}
