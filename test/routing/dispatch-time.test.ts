// The dispatcher against the clock (fake timers, no sleeps): each attempt's timeout, the request's
// overall deadline, and a client that leaves mid-request.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DispatchError } from '../../src/routing/dispatch.js';
import { askFor, dispatcherOver } from '../helpers/dispatcher-setup.js';
import {
  answer,
  fail,
  fakeChannel,
  fakeProvider,
  imageAnswer,
  silent,
  testModel,
  upstreamError,
} from '../helpers/fake-routes.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles `promise` while the fake clock runs, `stepMs` at a time; fails if it takes over `limitMs`. */
async function runClock<T>(
  promise: Promise<T>,
  limitMs = 600_000,
  stepMs = 100,
): Promise<PromiseSettledResult<T>> {
  let settled: PromiseSettledResult<T> | undefined;
  promise.then(
    (value) => {
      settled = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      settled = { status: 'rejected', reason };
    },
  );
  for (let elapsed = 0; settled === undefined; elapsed += stepMs) {
    if (elapsed > limitMs) throw new Error(`still pending after ${limitMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return settled;
}

function rejection(settled: PromiseSettledResult<unknown>): DispatchError {
  expect(settled.status).toBe('rejected');
  const reason = (settled as PromiseRejectedResult).reason;
  expect(reason).toBeInstanceOf(DispatchError);
  return reason as DispatchError;
}

describe("each attempt's timeout", () => {
  it('gives up on a silent route after its timeoutMs and fails over to the next', async () => {
    const slow = fakeProvider(silent());
    const fast = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('slow', slow, { priority: 2, timeoutMs: 2_000 }),
      fakeChannel('fast', fast, { priority: 1 }),
    ]);
    const started = Date.now();
    const settled = await runClock(dispatcher.generate(askFor()));
    expect(settled.status).toBe('fulfilled');
    const result = (settled as PromiseFulfilledResult<Awaited<ReturnType<typeof dispatcher.generate>>>).value;
    expect(result.channel).toBe('fast');
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual(['timeout', 'ok']);
    expect(result.attempts[0].latencyMs).toBe(2_000);
    expect(Date.now() - started).toBeLessThan(2_200);
    expect(slow.calls[0].signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('counts a timeout against the route', async () => {
    const slow = fakeProvider(silent());
    const { dispatcher, circuits } = dispatcherOver([fakeChannel('slow', slow, { timeoutMs: 1_000 })], {
      circuit: { failureThreshold: 1, openMs: 30_000 },
    });
    const error = rejection(await runClock(dispatcher.generate(askFor())));
    expect(error.errorClass).toBe('timeout');
    expect(circuits.state('slow', testModel)).toBe('open');
  });

  it('ends the attempt signal of an answered unary call, so no timer outlives it', async () => {
    const fast = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([fakeChannel('fast', fast, { timeoutMs: 1_000 })]);
    await dispatcher.generate(askFor());
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fast.calls[0].signal.aborted).toBe(false);
  });
});

describe("the request's overall deadline", () => {
  it('cuts the last attempt short at the deadline and starts no route after it', async () => {
    const providers = [fakeProvider(silent()), fakeProvider(silent()), fakeProvider(answer(imageAnswer()))];
    const { dispatcher } = dispatcherOver(
      providers.map((provider, index) =>
        fakeChannel(`route-${index}`, provider, { priority: 10 - index, timeoutMs: 1_000 }),
      ),
      { deadlineMs: 1_500 },
    );
    const started = Date.now();
    const error = rejection(await runClock(dispatcher.generate(askFor())));
    expect(error.errorClass).toBe('timeout');
    expect(error.attempts.map((attempt) => [attempt.channel, attempt.latencyMs])).toEqual([
      ['route-0', 1_000],
      ['route-1', 500],
    ]);
    expect(Date.now() - started).toBe(1_500);
    expect(providers[2].calls).toHaveLength(0);
  });

  it('starts no attempt with another key of the same channel once the deadline has passed', async () => {
    // Each key answers 429 just as the deadline runs out: no further upstream call may start.
    const keyed = fakeProvider(silent());
    const { dispatcher } = dispatcherOver([fakeChannel('keyed', keyed, { apiKeys: ['k1', 'k2', 'k3'] })], {
      deadlineMs: 1_000,
    });
    keyed.generate = async (_request, target) => {
      keyed.calls.push({
        method: 'generate',
        channel: target.channelName,
        apiKey: target.apiKey,
        upstreamModel: target.upstreamModel,
        signal: target.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      throw upstreamError('quota', { retryAfterSeconds: 5 });
    };
    const error = rejection(await runClock(dispatcher.generate(askFor())));
    expect(error.errorClass).toBe('quota');
    expect(keyed.calls.map((call) => call.apiKey)).toEqual(['k1']);
  });
});

describe('a client that leaves', () => {
  it('aborts the running attempt, stops the loop and tries nothing after', async () => {
    const slow = fakeProvider(silent());
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver(
      [fakeChannel('slow', slow, { priority: 2 }), fakeChannel('spare', spare, { priority: 1 })],
      { circuit: { failureThreshold: 1, openMs: 30_000 } },
    );
    const client = new AbortController();
    const pending = dispatcher.generate(askFor({ signal: client.signal }));
    await vi.advanceTimersByTimeAsync(500);
    client.abort();
    const error = rejection(await runClock(pending));
    expect(error).toMatchObject({
      httpStatus: 499,
      attempts: [expect.objectContaining({ channel: 'slow' })],
    });
    expect(slow.calls[0].signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(spare.calls).toHaveLength(0);
    // Leaving says nothing about the route.
    expect(circuits.state('slow', testModel)).toBe('closed');
  });

  it('works the same with a light cancel signal (onAbort)', async () => {
    const slow = fakeProvider(silent());
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('slow', slow, { priority: 2 }),
      fakeChannel('spare', spare, { priority: 1 }),
    ]);
    const listeners: Array<() => void> = [];
    const signal = {
      aborted: false,
      onAbort(listener: () => void) {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    const pending = dispatcher.generate(askFor({ signal }));
    await vi.advanceTimersByTimeAsync(500);
    signal.aborted = true;
    for (const listener of [...listeners]) listener();
    const error = rejection(await runClock(pending));
    expect(error.httpStatus).toBe(499);
    expect(spare.calls).toHaveLength(0);
    expect(listeners).toHaveLength(0);
  });

  it('does not retry when the failure arrives after the client left', async () => {
    const failing = fakeProvider(fail(upstreamError('overloaded')));
    const spare = fakeProvider(answer(imageAnswer()));
    const { dispatcher } = dispatcherOver([
      fakeChannel('failing', failing, { priority: 2 }),
      fakeChannel('spare', spare, { priority: 1 }),
    ]);
    const client = new AbortController();
    client.abort();
    const error = rejection(await runClock(dispatcher.generate(askFor({ signal: client.signal }))));
    expect(error.httpStatus).toBe(499);
    expect(spare.calls).toHaveLength(0);
  });

  it('leaves a half-open circuit ready for the next probe when the probe’s client leaves', async () => {
    const flaky = fakeProvider(fail(upstreamError('overloaded')), silent(), answer(imageAnswer()));
    const { dispatcher, circuits } = dispatcherOver([fakeChannel('flaky', flaky)], {
      circuit: { failureThreshold: 1, openMs: 10_000 },
    });
    rejection(await runClock(dispatcher.generate(askFor())));
    await vi.advanceTimersByTimeAsync(10_000);
    const client = new AbortController();
    const probe = dispatcher.generate(askFor({ signal: client.signal }));
    await vi.advanceTimersByTimeAsync(100);
    client.abort();
    expect(rejection(await runClock(probe)).httpStatus).toBe(499);
    // The abandoned probe told nothing about the route: the next request may probe it.
    expect(circuits.isOpen('flaky', testModel)).toBe(false);
    const next = await runClock(dispatcher.generate(askFor()));
    expect(next.status).toBe('fulfilled');
    expect(circuits.state('flaky', testModel)).toBe('closed');
  });

  it.each([
    ['a key failure', upstreamError('quota')],
    ['the gateway being busy', upstreamError('overloaded', { gatewayBusy: true })],
  ])(
    'leaves a half-open circuit ready for the next probe when the probe ends in %s',
    async (_name, error) => {
      const flaky = fakeProvider(fail(upstreamError('overloaded')), fail(error), answer(imageAnswer()));
      const { dispatcher, circuits } = dispatcherOver([fakeChannel('flaky', flaky, { apiKeys: [] })], {
        circuit: { failureThreshold: 1, openMs: 10_000 },
      });
      rejection(await runClock(dispatcher.generate(askFor())));
      await vi.advanceTimersByTimeAsync(10_000);
      rejection(await runClock(dispatcher.generate(askFor())));
      expect(circuits.isOpen('flaky', testModel)).toBe(false);
      expect((await runClock(dispatcher.generate(askFor()))).status).toBe('fulfilled');
    },
  );
});
