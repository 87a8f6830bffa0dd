// Circuit breakers on an injected clock: open after the threshold, one half-open probe after the
// cool-down, closed by its success, re-opened by its failure; per (channel, model); shared state.
import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/routing/circuit-breaker.js';
import type { CircuitStateStore, SharedCircuitState } from '../../src/shared-state/circuits.js';

const model = 'gemini-3.1-flash-image';

function breakers(failureThreshold = 3, openMs = 10_000) {
  const clock = { now: 1_000_000 };
  const circuits = new CircuitBreakers({ failureThreshold, openMs, now: () => clock.now });
  return { circuits, clock };
}

function failTimes(circuits: CircuitBreakers, times: number, channel = 'a', errorClass = 'overloaded') {
  for (let index = 0; index < times; index += 1) {
    circuits.beginAttempt(channel, model);
    circuits.recordFailure(channel, model, errorClass);
  }
}

describe('opening', () => {
  it('stays closed below the threshold and opens on the failure that reaches it', () => {
    const { circuits, clock } = breakers(3);
    failTimes(circuits, 2);
    expect(circuits.state('a', model)).toBe('closed');
    expect(circuits.isOpen('a', model)).toBe(false);
    failTimes(circuits, 1);
    expect(circuits.state('a', model)).toBe('open');
    expect(circuits.isOpen('a', model)).toBe(true);
    expect(circuits.snapshot()).toEqual([
      {
        channel: 'a',
        model,
        state: 'open',
        consecutiveFailures: 3,
        openedAt: clock.now,
        lastErrorClass: 'overloaded',
        lastErrorAt: clock.now,
      },
    ]);
  });

  it('counts only consecutive failures: a success in between starts the count again', () => {
    const { circuits } = breakers(3);
    failTimes(circuits, 2);
    circuits.recordSuccess('a', model);
    failTimes(circuits, 2);
    expect(circuits.state('a', model)).toBe('closed');
  });

  it('keeps each (channel, model) apart', () => {
    const { circuits } = breakers(1);
    failTimes(circuits, 1, 'a');
    expect(circuits.state('a', model)).toBe('open');
    expect(circuits.state('b', model)).toBe('closed');
    expect(circuits.state('a', 'another-model')).toBe('closed');
  });
});

describe('cooling down and probing', () => {
  it('stays open for openMs, then turns half-open', () => {
    const { circuits, clock } = breakers(1, 10_000);
    failTimes(circuits, 1);
    clock.now += 9_999;
    expect(circuits.state('a', model)).toBe('open');
    clock.now += 1;
    expect(circuits.state('a', model)).toBe('half_open');
    expect(circuits.isOpen('a', model)).toBe(false);
  });

  it('admits exactly one probe while half-open', () => {
    const { circuits, clock } = breakers(1, 10_000);
    failTimes(circuits, 1);
    clock.now += 10_000;
    expect(circuits.beginAttempt('a', model)).toBe(true);
    expect(circuits.isOpen('a', model)).toBe(true);
    // Another attempt started meanwhile (planned before) is not a second probe.
    expect(circuits.beginAttempt('a', model)).toBe(false);
    expect(circuits.isOpen('a', model)).toBe(true);
  });

  it('closes when the probe succeeds', () => {
    const { circuits, clock } = breakers(2, 10_000);
    failTimes(circuits, 2);
    clock.now += 10_000;
    circuits.beginAttempt('a', model);
    circuits.recordSuccess('a', model);
    expect(circuits.state('a', model)).toBe('closed');
    // The count starts again from zero: one failure does not re-open a threshold-2 circuit.
    failTimes(circuits, 1);
    expect(circuits.state('a', model)).toBe('closed');
  });

  it('re-opens for a fresh cool-down when the probe fails, whatever the threshold', () => {
    const { circuits, clock } = breakers(5, 10_000);
    failTimes(circuits, 5);
    clock.now += 10_000;
    circuits.beginAttempt('a', model);
    clock.now += 2_000; // the probe took 2 s to fail
    circuits.recordFailure('a', model, 'timeout');
    expect(circuits.state('a', model)).toBe('open');
    expect(circuits.snapshot()[0]).toMatchObject({ openedAt: clock.now, lastErrorClass: 'timeout' });
    clock.now += 9_999;
    expect(circuits.state('a', model)).toBe('open');
    clock.now += 1;
    expect(circuits.state('a', model)).toBe('half_open');
    expect(circuits.isOpen('a', model)).toBe(false);
  });

  it('lets the next request probe when a probe ends without a verdict', () => {
    const { circuits, clock } = breakers(1, 10_000);
    failTimes(circuits, 1);
    clock.now += 10_000;
    expect(circuits.beginAttempt('a', model)).toBe(true);
    circuits.endProbe('a', model);
    expect(circuits.state('a', model)).toBe('half_open');
    expect(circuits.isOpen('a', model)).toBe(false);
    expect(circuits.beginAttempt('a', model)).toBe(true);
  });

  it('does not count an attempt on a closed circuit as a probe', () => {
    const { circuits } = breakers(1);
    expect(circuits.beginAttempt('a', model)).toBe(false);
    // So a failure there is an ordinary one, judged by the threshold.
    const { circuits: higher } = breakers(2);
    higher.beginAttempt('a', model);
    higher.recordFailure('a', model, 'overloaded');
    expect(higher.state('a', model)).toBe('closed');
  });
});

describe('answers without an image', () => {
  it('close a circuit opened for outages: the route answers again', () => {
    const { circuits, clock } = breakers(1, 10_000);
    failTimes(circuits, 1, 'a', 'overloaded');
    clock.now += 10_000;
    circuits.beginAttempt('a', model);
    circuits.recordAnswerWithoutImage('a', model);
    expect(circuits.state('a', model)).toBe('closed');
  });

  it.each(['no_image', 'semantic_fail'])(
    'do not close a circuit opened for %s, but free the probe for the next request',
    (errorClass) => {
      const { circuits, clock } = breakers(1, 10_000);
      failTimes(circuits, 1, 'a', errorClass);
      clock.now += 10_000;
      circuits.beginAttempt('a', model);
      circuits.recordAnswerWithoutImage('a', model);
      expect(circuits.state('a', model)).toBe('half_open');
      expect(circuits.isOpen('a', model)).toBe(false);
      circuits.beginAttempt('a', model);
      circuits.recordSuccess('a', model);
      expect(circuits.state('a', model)).toBe('closed');
    },
  );
});

describe('a shared store', () => {
  function memoryStore(openedAgoMs: number | undefined): CircuitStateStore & { written: string[] } {
    const shared = (consecutiveFailures: number): SharedCircuitState => ({
      consecutiveFailures,
      openedAgoMs,
      lastErrorClass: 'overloaded',
      lastErrorAgoMs: 0,
    });
    const written: string[] = [];
    return {
      written,
      async recordSuccess(channel) {
        written.push(`success ${channel}`);
        return { consecutiveFailures: 0 };
      },
      async recordFailure(channel, _model, failure) {
        written.push(`failure ${channel} ${failure.errorClass} probe=${failure.wasProbe}`);
        return shared(7);
      },
      async readAll() {
        return [{ channel: 'a', model, ...shared(9) }];
      },
    };
  }

  it('writes outcomes through and adopts what the store answers, ages read on the local clock', async () => {
    const { circuits, clock } = breakers(3, 10_000);
    const store = memoryStore(4_000);
    circuits.useSharedStore(store, (error) => {
      throw error;
    });
    failTimes(circuits, 1);
    await Promise.resolve();
    await Promise.resolve();
    expect(store.written).toEqual(['failure a overloaded probe=false']);
    // Another replica opened it 4 s ago: it is open here too, for the 6 s left.
    expect(circuits.snapshot()[0]).toMatchObject({ consecutiveFailures: 7, openedAt: clock.now - 4_000 });
    expect(circuits.state('a', model)).toBe('open');
    clock.now += 6_000;
    expect(circuits.state('a', model)).toBe('half_open');
  });

  it('refreshes from the store, and a close elsewhere ends a probe in flight here', async () => {
    const { circuits, clock } = breakers(1, 10_000);
    failTimes(circuits, 1);
    clock.now += 10_000;
    circuits.beginAttempt('a', model);
    expect(circuits.isOpen('a', model)).toBe(true);
    circuits.useSharedStore(memoryStore(undefined), () => {});
    await circuits.refreshFromStore();
    expect(circuits.state('a', model)).toBe('closed');
    expect(circuits.isOpen('a', model)).toBe(false);
    expect(circuits.snapshot()[0].consecutiveFailures).toBe(9);
  });

  it('keeps working on its own when the store fails', async () => {
    const { circuits } = breakers(2, 10_000);
    const failures: unknown[] = [];
    circuits.useSharedStore(
      {
        recordSuccess: () => Promise.reject(new Error('store down')),
        recordFailure: () => Promise.reject(new Error('store down')),
        readAll: () => Promise.reject(new Error('store down')),
      },
      (error) => failures.push(error),
    );
    failTimes(circuits, 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toHaveLength(2);
    expect(circuits.state('a', model)).toBe('open');
  });
});
