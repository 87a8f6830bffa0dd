// The dispatcher's failover rules with fake providers: the order routes are tried in, the attempt
// budget, which failures fail over and which are final, what a failure means for the route's
// circuit, its key and its gone mark.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../src/canonical/errors.js';
import { DispatchError } from '../../src/routing/dispatch.js';
import { keyFingerprint } from '../../src/routing/key-pool.js';
import { askFor, dispatcherOver } from '../helpers/dispatcher-setup.js';
import {
  answer,
  fail,
  fakeChannel,
  fakeProvider,
  imageAnswer,
  safetyAnswer,
  testModel,
  textAnswer,
  upstreamError,
} from '../helpers/fake-routes.js';

afterEach(() => {
  vi.useRealTimers();
});

async function dispatchError(promise: Promise<unknown>): Promise<DispatchError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DispatchError);
  return error as DispatchError;
}

describe('failover order and the attempt budget', () => {
  it('tries routes from the highest priority down until one returns an image', async () => {
    const first = fakeProvider(fail(upstreamError('overloaded')));
    const second = fakeProvider(answer(textAnswer()));
    const third = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('third', third, { priority: 1 }),
      fakeChannel('first', first, { priority: 3 }),
      fakeChannel('second', second, { priority: 2 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(result.channel).toBe('third');
    expect(result.outcome).toBe('image');
    expect(result.attempts.map((attempt) => [attempt.channel, attempt.outcome])).toEqual([
      ['first', 'overloaded'],
      ['second', 'no_image'],
      ['third', 'ok'],
    ]);
    expect(result.attempts[0]).toMatchObject({
      httpStatus: 503,
      keyFingerprint: keyFingerprint('key-first'),
    });
    expect([first.calls.length, second.calls.length, third.calls.length]).toEqual([1, 1, 1]);
  });

  it('stops after maxAttempts, however many routes are left, and answers with the last failure', async () => {
    const providers = [1, 2, 3, 4].map(() => fakeProvider(fail(upstreamError('connection'))));
    const channels = providers.map((provider, index) =>
      fakeChannel(`route-${index}`, provider, { priority: 10 - index }),
    );
    const { dispatcher } = dispatcherOver(channels, { maxAttempts: 2 });
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error.errorClass).toBe('connection');
    expect(error.attempts.map((attempt) => attempt.channel)).toEqual(['route-0', 'route-1']);
    expect(providers.map((provider) => provider.calls.length)).toEqual([1, 1, 0, 0]);
  });

  it('counts retries with another key of the same channel against the budget', async () => {
    const keyed = fakeProvider(fail(upstreamError('quota', { retryAfterSeconds: 30 })));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver(
      [
        fakeChannel('keyed', keyed, { priority: 2, apiKeys: ['k1', 'k2', 'k3'] }),
        fakeChannel('spare', spare, { priority: 1 }),
      ],
      { maxAttempts: 2 },
    );
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error.errorClass).toBe('quota');
    expect(keyed.calls.map((call) => call.apiKey)).toEqual(['k1', 'k2']);
    expect(spare.calls).toHaveLength(0);
  });

  it.each([
    ['a client mistake', upstreamError('bad_request')],
    ['a permission refusal', upstreamError('permission')],
    ['a safety refusal', upstreamError('safety', { httpStatus: 400 })],
    ['a gateway bug (a plain exception)', new TypeError('cannot read properties of undefined')],
  ])('does not try another route after %s', async (_name, thrown) => {
    const first = fakeProvider(fail(thrown));
    const second = fakeProvider(answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver(
      [fakeChannel('first', first, { priority: 2 }), fakeChannel('second', second, { priority: 1 })],
      { circuit: { failureThreshold: 1, openMs: 30_000 } },
    );
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(second.calls).toHaveLength(0);
    expect(error.attempts).toHaveLength(1);
    expect(circuits.state('first', testModel)).toBe('closed');
    if (!(thrown instanceof GatewayError)) {
      // The gateway's own words, never the exception's; the exception stays in the cause.
      expect(error.errorClass).toBe('internal');
      expect(error.message).not.toContain('cannot read');
    }
  });

  it('returns a safety block as the answer without trying another route', async () => {
    const first = fakeProvider(answer(safetyAnswer()));
    const second = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(result).toMatchObject({ channel: 'first', outcome: 'safety' });
    expect(second.calls).toHaveLength(0);
  });

  it('gives the last answer without an image, honestly marked, when no route returns one', async () => {
    const first = fakeProvider(answer(textAnswer('first says no')));
    const second = fakeProvider(answer(textAnswer('second says no')));
    const { dispatcher } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(result.outcome).toBe('no_image');
    expect(result.channel).toBe('second');
    expect(result.response.candidates?.[0].content?.parts?.[0].text).toBe('second says no');
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual(['no_image', 'no_image']);
  });

  it('accepts a text answer when no image was asked for', async () => {
    const only = fakeProvider(answer(textAnswer()));
    const { dispatcher, circuits } = dispatcherOver([fakeChannel('only', only)]);
    const result = await dispatcher.generate(askFor({ wantsImage: false }));
    expect(result.outcome).toBe('text_only');
    expect(circuits.state('only', testModel)).toBe('closed');
  });

  it('refuses with no_channel before any call when no channel serves the model', async () => {
    const only = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([fakeChannel('only', only, { models: ['another-model'] })]);
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error).toMatchObject({ errorClass: 'no_channel', httpStatus: 503, attempts: [] });
    expect(only.calls).toHaveLength(0);
  });

  it('tells every attempt to onAttempt with the model it was for', async () => {
    const first = fakeProvider(fail(upstreamError('overloaded')));
    const second = fakeProvider(answer(imageAnswer()));
    const { dispatcher, attempts } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(attempts).toEqual(result.attempts.map((attempt) => ({ ...attempt, model: testModel })));
  });
});

describe('answers relayed while they are read', () => {
  it('does not fail over once part of the answer has gone to the client', async () => {
    const relay = { started: false, sentBytes: 0, begin() {}, sendUpTo() {} };
    const first = fakeProvider(answer(imageAnswer()));
    first.generate = async () => {
      relay.started = true; // the answer's head went out, then the upstream broke off
      relay.sentBytes = 4096;
      throw upstreamError('connection');
    };
    const second = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const error = await dispatchError(dispatcher.generate(askFor({ relay })));
    expect(error.errorClass).toBe('connection');
    expect(second.calls).toHaveLength(0);
  });
});

describe("what a failure means for the route's circuit", () => {
  it('opens the circuit after failureThreshold failures, and leaves the route out of the plan', async () => {
    const flaky = fakeProvider(fail(upstreamError('overloaded')));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver(
      [fakeChannel('flaky', flaky, { priority: 2 }), fakeChannel('spare', spare, { priority: 1 })],
      { circuit: { failureThreshold: 2, openMs: 30_000 } },
    );
    await dispatcher.generate(askFor());
    expect(circuits.state('flaky', testModel)).toBe('closed');
    await dispatcher.generate(askFor());
    expect(circuits.state('flaky', testModel)).toBe('open');
    const third = await dispatcher.generate(askFor());
    expect(third.attempts.map((attempt) => attempt.channel)).toEqual(['spare']);
    expect(flaky.calls).toHaveLength(2);
  });

  it('never counts a gatewayBusy failure against the route, though it fails over', async () => {
    const busy = fakeProvider(fail(upstreamError('overloaded', { gatewayBusy: true })));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver(
      [fakeChannel('busy', busy, { priority: 2 }), fakeChannel('spare', spare, { priority: 1 })],
      { circuit: { failureThreshold: 1, openMs: 30_000 } },
    );
    for (let round = 0; round < 3; round += 1) {
      const result = await dispatcher.generate(askFor());
      expect(result.channel).toBe('spare');
    }
    expect(busy.calls).toHaveLength(3);
    expect(circuits.state('busy', testModel)).toBe('closed');
    expect(circuits.snapshot().find((circuit) => circuit.channel === 'busy')?.consecutiveFailures).toBe(0);
  });

  it.each(['quota', 'auth'] as const)(
    'never counts a key failure (%s) against the route',
    async (errorClass) => {
      const keyed = fakeProvider(fail(upstreamError(errorClass)), answer(imageAnswer()));
      const { dispatcher, circuits } = dispatcherOver(
        [fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2'] })],
        {
          circuit: { failureThreshold: 1, openMs: 30_000 },
        },
      );
      const result = await dispatcher.generate(askFor());
      expect(result.channel).toBe('keyed');
      expect(circuits.state('keyed', testModel)).toBe('closed');
    },
  );

  it('closes a half-open circuit when its probe returns an image', async () => {
    vi.useFakeTimers();
    const flaky = fakeProvider(fail(upstreamError('overloaded')), answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver([fakeChannel('flaky', flaky)], {
      circuit: { failureThreshold: 1, openMs: 10_000 },
    });
    await dispatchError(dispatcher.generate(askFor()));
    expect(circuits.state('flaky', testModel)).toBe('open');
    expect((await dispatchError(dispatcher.generate(askFor()))).errorClass).toBe('no_channel');
    vi.advanceTimersByTime(10_000);
    const probe = await dispatcher.generate(askFor());
    expect(probe.channel).toBe('flaky');
    expect(circuits.state('flaky', testModel)).toBe('closed');
  });
});

describe('key failures', () => {
  it('benches a key that hit its quota for Retry-After and tries the next key of the same channel', async () => {
    vi.useFakeTimers();
    const now = Date.now();
    const keyed = fakeProvider(
      fail(upstreamError('quota', { retryAfterSeconds: 30 })),
      answer(imageAnswer()),
    );
    const { dispatcher, keys } = dispatcherOver([fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2'] })]);
    const result = await dispatcher.generate(askFor());
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual(['quota', 'ok']);
    expect(keyed.calls.map((call) => call.apiKey)).toEqual(['k1', 'k2']);
    expect(keys.snapshot('keyed', ['k1', 'k2'])).toEqual([
      expect.objectContaining({ retiredUntil: now + 30_000, reason: 'quota' }),
      expect.objectContaining({ retiredUntil: undefined }),
    ]);
    // While k1 rests every request goes to k2; once its rest is over k1 is back in the rotation.
    await dispatcher.generate(askFor());
    expect(keyed.calls.at(-1)?.apiKey).toBe('k2');
    vi.advanceTimersByTime(29_999);
    await dispatcher.generate(askFor());
    expect(keyed.calls.at(-1)?.apiKey).toBe('k2');
    vi.advanceTimersByTime(1);
    await dispatcher.generate(askFor());
    await dispatcher.generate(askFor());
    expect(keyed.calls.slice(-2).map((call) => call.apiKey)).toEqual(['k1', 'k2']);
  });

  it('rests a key the upstream rejected (auth) for an hour, a rate-limited one a minute by default', async () => {
    vi.useFakeTimers();
    const now = Date.now();
    const keyed = fakeProvider(
      fail(upstreamError('auth')),
      fail(upstreamError('rate_limited')),
      answer(imageAnswer()),
    );
    const { dispatcher, keys } = dispatcherOver([
      fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2', 'k3'] }),
    ]);
    await dispatcher.generate(askFor());
    expect(keys.snapshot('keyed', ['k1', 'k2'])).toEqual([
      expect.objectContaining({ reason: 'auth', retiredUntil: now + 3_600_000 }),
      expect.objectContaining({ reason: 'rate_limited', retiredUntil: now + 60_000 }),
    ]);
  });

  it('moves to the next channel, not the next key, on a failure that is not about the key', async () => {
    const keyed = fakeProvider(fail(upstreamError('overloaded')));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher, keys } = dispatcherOver([
      fakeChannel('keyed', keyed, { priority: 2, apiKeys: ['k1', 'k2'] }),
      fakeChannel('spare', spare, { priority: 1 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(result.attempts.map((attempt) => attempt.channel)).toEqual(['keyed', 'spare']);
    expect(keys.usableCount('keyed', ['k1', 'k2'])).toBe(2);
  });

  it('fails over to the next channel once every key of a channel is resting', async () => {
    const keyed = fakeProvider(fail(upstreamError('quota')));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('keyed', keyed, { priority: 2, apiKeys: ['k1', 'k2'] }),
      fakeChannel('spare', spare, { priority: 1 }),
    ]);
    const first = await dispatcher.generate(askFor());
    expect(first.attempts.map((attempt) => attempt.outcome)).toEqual(['quota', 'quota', 'ok']);
    // Both keys rest now: the channel is skipped without a call.
    const second = await dispatcher.generate(askFor());
    expect(second.attempts.map((attempt) => attempt.channel)).toEqual(['spare']);
    expect(keyed.calls).toHaveLength(2);
  });

  it('answers 429 when every key of the only channel is resting after quota failures', async () => {
    const keyed = fakeProvider(fail(upstreamError('quota')));
    const { dispatcher } = dispatcherOver([fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2'] })]);
    await dispatchError(dispatcher.generate(askFor()));
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error).toMatchObject({ errorClass: 'quota', httpStatus: 429, attempts: [] });
    expect(keyed.calls).toHaveLength(2);
  });

  it("answers 502 (the channel's broken credentials), not the caller's 429, when every key was rejected", async () => {
    const keyed = fakeProvider(fail(upstreamError('auth')));
    const { dispatcher } = dispatcherOver([fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2'] })]);
    await dispatchError(dispatcher.generate(askFor()));
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error).toMatchObject({ errorClass: 'auth', httpStatus: 502, code: 'upstream_auth' });
  });

  it('gives a keyless channel exactly one try', async () => {
    const keyless = fakeProvider(fail(upstreamError('quota')));
    const { dispatcher } = dispatcherOver([fakeChannel('keyless', keyless, { apiKeys: [] })]);
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error.errorClass).toBe('quota');
    expect(keyless.calls).toEqual([expect.objectContaining({ apiKey: undefined })]);
  });
});

describe('routes whose upstream lost the model', () => {
  it('marks the route gone with the id it called upstream, and fails over', async () => {
    const lost = fakeProvider(fail(upstreamError('model_gone')));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher, gone } = dispatcherOver([
      fakeChannel('lost', lost, { priority: 2, modelMap: { [testModel]: 'upstream-name-7' } }),
      fakeChannel('spare', spare, { priority: 1 }),
    ]);
    const result = await dispatcher.generate(askFor());
    expect(result.channel).toBe('spare');
    expect(lost.calls[0].upstreamModel).toBe('upstream-name-7');
    expect(gone).toEqual([
      { channel: 'lost', modelId: testModel, upstreamId: 'upstream-name-7', pinned: false },
    ]);
  });

  it('tells the client about the model, naming every channel, when every route lost it', async () => {
    const first = fakeProvider(fail(upstreamError('model_gone')));
    const second = fakeProvider(fail(upstreamError('model_gone')));
    const { dispatcher, gone } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error).toMatchObject({ errorClass: 'model_gone', httpStatus: 404, code: 'model_gone' });
    expect(error.message).toContain('first, second');
    expect(gone.map((sighting) => sighting.channel)).toEqual(['first', 'second']);
  });

  it('keeps the last failure when only some routes lost the model', async () => {
    const first = fakeProvider(fail(upstreamError('model_gone')));
    const second = fakeProvider(fail(upstreamError('overloaded')));
    const { dispatcher } = dispatcherOver([
      fakeChannel('first', first, { priority: 2 }),
      fakeChannel('second', second, { priority: 1 }),
    ]);
    const error = await dispatchError(dispatcher.generate(askFor()));
    expect(error.errorClass).toBe('overloaded');
  });

  it('leaves routes marked gone out of the plan, and reaches them when pinned (a retest)', async () => {
    const lost = fakeProvider(fail(upstreamError('model_gone')));
    const { dispatcher, gone } = dispatcherOver([fakeChannel('lost', lost)], {
      isGone: (channel) => channel === 'lost',
    });
    const unpinned = await dispatchError(dispatcher.generate(askFor()));
    expect(unpinned).toMatchObject({ errorClass: 'model_gone', attempts: [] });
    expect(lost.calls).toHaveLength(0);
    await dispatchError(dispatcher.generate(askFor({ pinnedChannel: 'lost' })));
    expect(lost.calls).toHaveLength(1);
    expect(gone).toEqual([expect.objectContaining({ channel: 'lost', pinned: true })]);
  });
});
