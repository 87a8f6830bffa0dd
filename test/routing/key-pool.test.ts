// A channel's keys on an injected clock: round-robin rotation, a failed key benched for its rest,
// back once the rest is over, and nothing to pick when every key rests.
import { describe, expect, it } from 'vitest';
import { KeyPool, keyFingerprint } from '../../src/routing/key-pool.js';

const keys = ['k1', 'k2', 'k3'];

function pool() {
  const clock = { now: 5_000_000 };
  return { pool: new KeyPool(() => clock.now), clock };
}

const picks = (keyPool: KeyPool, count: number, channel = 'c', list: readonly string[] = keys) =>
  Array.from({ length: count }, () => keyPool.pick(channel, list));

describe('rotation', () => {
  it('picks the keys of a channel in turn', () => {
    expect(picks(pool().pool, 7)).toEqual(['k1', 'k2', 'k3', 'k1', 'k2', 'k3', 'k1']);
  });

  it('keeps one turn per channel', () => {
    const { pool: keyPool } = pool();
    expect(keyPool.pick('a', keys)).toBe('k1');
    expect(keyPool.pick('a', keys)).toBe('k2');
    expect(keyPool.pick('b', keys)).toBe('k1');
  });

  it('goes on rotating when the channel’s key list shrinks (a config reload)', () => {
    const { pool: keyPool } = pool();
    picks(keyPool, 3);
    const after = picks(keyPool, 4, 'c', ['k1', 'k2']);
    expect(new Set(after)).toEqual(new Set(['k1', 'k2']));
    expect(after[0]).not.toBe(after[1]);
    expect(after[1]).not.toBe(after[2]);
  });

  it('has nothing to pick for a channel without keys', () => {
    expect(pool().pool.pick('c', [])).toBeUndefined();
  });
});

describe('benching', () => {
  it('skips a benched key until its rest is over, then rotates it back in', () => {
    const { pool: keyPool, clock } = pool();
    keyPool.bench('c', 'k2', 'quota', 30);
    expect(picks(keyPool, 4)).toEqual(['k1', 'k3', 'k1', 'k3']);
    expect(keyPool.usableCount('c', keys)).toBe(2);
    clock.now += 29_999;
    expect(keyPool.usableCount('c', keys)).toBe(2);
    clock.now += 1;
    expect(keyPool.usableCount('c', keys)).toBe(3);
    expect(picks(keyPool, 3)).toEqual(['k1', 'k2', 'k3']);
  });

  it('benches a key for one channel only, even when another channel has the same key', () => {
    const { pool: keyPool } = pool();
    keyPool.bench('a', 'k1', 'auth', 3600);
    expect(keyPool.pick('a', keys)).toBe('k2');
    expect(keyPool.pick('b', keys)).toBe('k1');
  });

  it('has nothing to pick while every key rests, and shows why in the snapshot', () => {
    const { pool: keyPool, clock } = pool();
    keyPool.bench('c', 'k1', 'auth', 3600);
    keyPool.bench('c', 'k2', 'quota', 60);
    keyPool.bench('c', 'k3', 'rate_limited', 5);
    expect(keyPool.pick('c', keys)).toBeUndefined();
    expect(keyPool.usableCount('c', keys)).toBe(0);
    expect(keyPool.snapshot('c', keys)).toEqual([
      {
        channel: 'c',
        fingerprint: keyFingerprint('k1'),
        retiredUntil: clock.now + 3_600_000,
        reason: 'auth',
      },
      { channel: 'c', fingerprint: keyFingerprint('k2'), retiredUntil: clock.now + 60_000, reason: 'quota' },
      {
        channel: 'c',
        fingerprint: keyFingerprint('k3'),
        retiredUntil: clock.now + 5_000,
        reason: 'rate_limited',
      },
    ]);
    clock.now += 5_000;
    expect(keyPool.pick('c', keys)).toBe('k3');
    expect(keyPool.snapshot('c', keys)[2]).toEqual({
      channel: 'c',
      fingerprint: keyFingerprint('k3'),
      retiredUntil: undefined,
      reason: undefined,
    });
  });

  it('takes the latest rest when a key is benched again', () => {
    const { pool: keyPool, clock } = pool();
    keyPool.bench('c', 'k1', 'quota', 60);
    keyPool.bench('c', 'k1', 'auth', 3600);
    clock.now += 60_000;
    expect(keyPool.snapshot('c', ['k1'])[0]).toMatchObject({ reason: 'auth' });
    expect(keyPool.pick('c', ['k1'])).toBeUndefined();
  });
});

describe('key fingerprints', () => {
  it('label a key with 12 hex characters that do not contain it, the same each time', () => {
    const secret = 'AIzaSyD-very-secret-key-000';
    const fingerprint = keyFingerprint(secret);
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(secret).not.toContain(fingerprint);
    expect(keyFingerprint(secret)).toBe(fingerprint);
    expect(keyFingerprint('another-key')).not.toBe(fingerprint);
  });

  it("label a keyless attempt 'none'", () => {
    expect(keyFingerprint(undefined)).toBe('none');
    expect(keyFingerprint('')).toBe('none');
  });
});
