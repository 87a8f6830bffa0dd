import { describe, expect, it } from 'vitest';
import { BytePieces } from '../../src/canonical/byte-pieces.js';
import { excessNestingOffset } from '../../src/canonical/json-nesting.js';

function nest(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('excessNestingOffset', () => {
  it('accepts a text nested exactly to the limit and names the bracket one level deeper', () => {
    expect(excessNestingOffset(nest(64), 64)).toBe(-1);
    expect(excessNestingOffset(nest(65), 64)).toBe(64);
    expect(excessNestingOffset(`{"a":${nest(65)}}`, 64)).toBe(5 + 63);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = `{"text":"${'['.repeat(1000)} \\" ${'{'.repeat(1000)}","more":["\\\\"]}`;
    expect(JSON.parse(text)).toBeTruthy();
    expect(excessNestingOffset(text, 3)).toBe(-1);
    // The closing quote after an even run of backslashes ends the string: the bracket after it counts.
    expect(excessNestingOffset(`["\\\\\\\\",[[`, 2)).toBe(9);
  });

  it('reads bytes, strings and bytes in pieces alike', () => {
    const text = `{"a":[{"b":${nest(70)}}]}`;
    const bytes = Buffer.from(text);
    const pieces = new BytePieces([bytes.subarray(0, 7), bytes.subarray(7, 20), bytes.subarray(20)]);
    const expected = excessNestingOffset(text, 64);
    expect(expected).toBeGreaterThan(0);
    expect(excessNestingOffset(bytes, 64)).toBe(expected);
    expect(excessNestingOffset(pieces, 64)).toBe(expected);
  });

  it('stops at the first level too deep in 10 MB of open brackets, and scans long strings quickly', () => {
    expect(excessNestingOffset(Buffer.alloc(10_000_000, '['), 64)).toBe(64);
    const started = performance.now();
    const image = Buffer.from(
      `{"data":"${'A'.repeat(50_000_000)}","backslashes":"${'\\'.repeat(2_000_000)}"}`,
    );
    expect(excessNestingOffset(image, 64)).toBe(-1);
    // Generous bound: a per-byte scan with a callback each is still linear; quadratic would be hours.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('treats an unterminated string as the end of the text', () => {
    expect(excessNestingOffset('[[["abc', 2)).toBe(2);
    expect(excessNestingOffset('[["[[[[[[', 2)).toBe(-1);
  });
});
