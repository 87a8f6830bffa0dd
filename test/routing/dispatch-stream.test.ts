// Streams fail over only before the client could see a byte: events are held until an image arrives
// (or the first event, when no image is asked for); after that, a failure is the client's to hear.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamEvent } from '../../src/providers/types.js';
import { DispatchError, type DispatchStream } from '../../src/routing/dispatch.js';
import { askFor, dispatcherOver } from '../helpers/dispatcher-setup.js';
import {
  answer,
  events,
  fail,
  fakeChannel,
  fakeProvider,
  imageAnswer,
  safetyAnswer,
  silent,
  testModel,
  textAnswer,
  upstreamError,
} from '../helpers/fake-routes.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Reads a stream to its end; the error that ended it, if any. */
async function readAll(opened: DispatchStream): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
  const read: UpstreamEvent[] = [];
  try {
    for await (const event of opened.events) read.push(event);
    return { events: read };
  } catch (error) {
    return { events: read, error };
  }
}

const texts = (read: UpstreamEvent[]) =>
  read.map((event) => {
    const part = event.response.candidates?.[0]?.content?.parts?.[0];
    return part?.text ?? (part?.inlineData ? 'image' : event.response.candidates?.[0]?.finishReason);
  });

function twoRoutes(firstReply: Parameters<typeof fakeProvider>[0], first = {}) {
  const primary = fakeProvider(firstReply);
  const spare = fakeProvider(events([textAnswer('from spare'), imageAnswer()]));
  const setup = dispatcherOver([
    fakeChannel('primary', primary, { priority: 2, ...first }),
    fakeChannel('spare', spare, { priority: 1 }),
  ]);
  return { ...setup, primary, spare };
}

describe('streams before the first byte', () => {
  it('fail over when the stream breaks before its image, and the client sees none of its events', async () => {
    const { dispatcher, primary, spare } = twoRoutes(
      events([textAnswer('from primary')], upstreamError('connection')),
    );
    const opened = await dispatcher.stream(askFor());
    expect(opened.channel).toBe('spare');
    expect(opened.imageSeen).toBe(true);
    expect(opened.attempts.map((attempt) => [attempt.channel, attempt.outcome])).toEqual([
      ['primary', 'connection'],
      ['spare', 'ok'],
    ]);
    expect(texts((await readAll(opened)).events)).toEqual(['from spare', 'image']);
    expect([primary.calls.length, spare.calls.length]).toEqual([1, 1]);
  });

  it('fail over when the stream ends without an image', async () => {
    const { dispatcher } = twoRoutes(events([textAnswer('only words')]));
    const opened = await dispatcher.stream(askFor());
    expect(opened.channel).toBe('spare');
    expect(opened.attempts[0].outcome).toBe('no_image');
  });

  it('fail over when the stream cannot be opened', async () => {
    const { dispatcher } = twoRoutes(fail(upstreamError('overloaded')));
    const opened = await dispatcher.stream(askFor());
    expect(opened.channel).toBe('spare');
  });

  it('fail over when the stream stays silent past its timeout', async () => {
    const { dispatcher } = twoRoutes(silent(), { timeoutMs: 3_000 });
    const pending = dispatcher.stream(askFor());
    await vi.advanceTimersByTimeAsync(3_000);
    const opened = await pending;
    expect(opened.channel).toBe('spare');
    expect(opened.attempts.map((attempt) => [attempt.outcome, attempt.latencyMs])).toEqual([
      ['timeout', 3_000],
      ['ok', 0],
    ]);
  });

  it('do not fail over when the client leaves before the first byte', async () => {
    const { dispatcher, spare } = twoRoutes(events([textAnswer('thinking')], 'silent'));
    const client = new AbortController();
    const pending = dispatcher.stream(askFor({ signal: client.signal }));
    await vi.advanceTimersByTimeAsync(200);
    client.abort();
    const error = await pending.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).httpStatus).toBe(499);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spare.calls).toHaveLength(0);
  });
});

describe('streams after the first byte', () => {
  it('hand a failure after the image to the client and try no other route', async () => {
    const { dispatcher, spare, circuits } = twoRoutes(
      events([imageAnswer(), textAnswer('and a caption')], upstreamError('connection')),
    );
    const opened = await dispatcher.stream(askFor());
    expect(opened).toMatchObject({ channel: 'primary', imageSeen: true });
    const read = await readAll(opened);
    expect(texts(read.events)).toEqual(['image', 'and a caption']);
    expect(read.error).toMatchObject({ errorClass: 'connection' });
    expect(spare.calls).toHaveLength(0);
    // The route delivered its image: the circuit heard a success.
    expect(circuits.state('primary', testModel)).toBe('closed');
  });

  it('hand the first event on at once when no image is asked for', async () => {
    const { dispatcher, spare } = twoRoutes(events([textAnswer('hello')], upstreamError('connection')));
    const opened = await dispatcher.stream(askFor({ wantsImage: false }));
    expect(opened).toMatchObject({ channel: 'primary', imageSeen: false });
    const read = await readAll(opened);
    expect(texts(read.events)).toEqual(['hello']);
    expect(read.error).toMatchObject({ errorClass: 'connection' });
    expect(spare.calls).toHaveLength(0);
  });

  it('hand a safety block on as the answer', async () => {
    const { dispatcher, spare } = twoRoutes(events([safetyAnswer()]));
    const opened = await dispatcher.stream(askFor());
    expect(opened.channel).toBe('primary');
    expect(texts((await readAll(opened)).events)).toEqual(['IMAGE_SAFETY']);
    expect(spare.calls).toHaveLength(0);
  });

  it('keep the attempt timeout running while the stream is relayed', async () => {
    const { dispatcher, spare } = twoRoutes(events([imageAnswer()], 'silent'), { timeoutMs: 5_000 });
    const opened = await dispatcher.stream(askFor());
    const reading = readAll(opened);
    await vi.advanceTimersByTimeAsync(5_000);
    const read = await reading;
    expect(texts(read.events)).toEqual(['image']);
    expect(read.error).toMatchObject({ errorClass: 'timeout' });
    expect(spare.calls).toHaveLength(0);
  });

  it('close the upstream stream when the client stops reading', async () => {
    let closed = false;
    const primary = fakeProvider(answer(imageAnswer()));
    primary.stream = async () =>
      (async function* () {
        try {
          yield { response: imageAnswer() };
          yield { response: textAnswer('more') };
          yield { response: textAnswer('and more') };
        } finally {
          closed = true;
        }
      })();
    const { dispatcher } = dispatcherOver([fakeChannel('primary', primary)]);
    const opened = await dispatcher.stream(askFor());
    for await (const _event of opened.events) break;
    expect(closed).toBe(true);
  });
});
