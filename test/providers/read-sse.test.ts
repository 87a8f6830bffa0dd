import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from '../../src/providers/read-sse.js';

async function* chunksOf(...parts: Array<string | Buffer>): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8');
}

async function read(...parts: Array<string | Buffer>) {
  const events: Array<{ event?: string; data: string; id?: string }> = [];
  for await (const event of readServerSentEvents(chunksOf(...parts))) {
    events.push({ event: event.event, data: event.data, id: event.id });
  }
  return events;
}

describe('readServerSentEvents', () => {
  it('accepts LF, CRLF and CR line ends, also when CRLF is split between chunks', async () => {
    expect(await read('data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\r', '\n\r', '\n')).toEqual([
      { event: undefined, data: 'a', id: undefined },
      { event: undefined, data: 'b', id: undefined },
      { event: undefined, data: 'c', id: undefined },
      { event: undefined, data: 'd', id: undefined },
    ]);
  });

  it('joins data lines with LF and reads event, id, comments and fields without a value', async () => {
    const events = await read(
      '\uFEFF: a comment\nevent: image.partial\nid: 7\ndata: {"a":\ndata:1}\nretry: 10\ndata\n\n',
      'data: next\n\n',
    );
    expect(events).toEqual([
      { event: 'image.partial', data: '{"a":\n1}\n', id: '7' },
      { event: undefined, data: 'next', id: undefined },
    ]);
  });

  it('does not dispatch an event the stream did not close with a blank line', async () => {
    expect(await read('data: whole\n\ndata: cut off\n')).toEqual([
      { event: undefined, data: 'whole', id: undefined },
    ]);
  });

  it('decodes UTF-8 split between chunks', async () => {
    const text = Buffer.from('data: héllo ✓\n\n', 'utf8');
    expect(await read(text.subarray(0, 9), text.subarray(9, 15), text.subarray(15))).toEqual([
      { event: undefined, data: 'héllo ✓', id: undefined },
    ]);
  });

  it('delivers a 12 MB data line arriving in 64 KiB chunks whole, as views of those chunks', async () => {
    const payload = Buffer.alloc(12 * 1024 * 1024, 'QUJD');
    const stream = Buffer.concat([
      Buffer.from('data: '),
      payload,
      Buffer.from('\r\n\r\ndata: [DONE]\r\n\r\n'),
    ]);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < stream.length; offset += 65_536) {
      chunks.push(stream.subarray(offset, offset + 65_536));
    }
    const events = [];
    for await (const event of readServerSentEvents(chunksOf(...chunks))) events.push(event);
    expect(events).toHaveLength(2);
    // Not joined: the event is the chunks' own memory (one copy of it in the process).
    expect(events[0].pieces.length).toBe(chunks.length);
    expect(events[0].pieces.every((piece) => piece.buffer === stream.buffer)).toBe(true);
    expect(events[0].bytes.equals(payload)).toBe(true);
    expect(events[1].data).toBe('[DONE]');
  });

  it('reads any chunking of any stream as eventsource-parser does', async () => {
    const line = fc.oneof(
      fc.constantFrom('data: {"x":1}', 'data:', 'data', 'event: done', 'id: 4', ': note', 'retry: 5', ''),
      fc.string({ maxLength: 12 }).map((text) => `data: ${text}`),
    );
    const ending = fc.constantFrom('\n', '\r\n', '\r');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, ending), { maxLength: 16 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, cuts) => {
          // A final lone CR waits in eventsource-parser for a possible LF; end such a stream with one.
          const joined = lines.map(([content, end]) => content + end).join('');
          const text = joined.endsWith('\r') ? `${joined}\n` : joined;
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const parts: Buffer[] = [];
          let previous = 0;
          for (const point of [...points, bytes.length]) {
            parts.push(bytes.subarray(previous, point));
            previous = point;
          }
          const expected: EventSourceMessage[] = [];
          const parser = createParser({ onEvent: (event) => expected.push(event) });
          parser.feed(text);
          const actual = await read(...parts);
          expect(actual).toEqual(
            expected.map((event) => ({ event: event.event, data: event.data, id: event.id })),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
