import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BytePieces } from '../../src/canonical/byte-pieces.js';

/** `text` as pieces cut at `cuts` (empty pieces included). */
function cut(text: string, cuts: number[]): { whole: Buffer; pieces: BytePieces } {
  const whole = Buffer.from(text, 'latin1');
  const points = cuts.map((point) => point % (whole.length + 1)).sort((a, b) => a - b);
  const parts = [...points, whole.length].map((point, index, all) =>
    whole.subarray(index === 0 ? 0 : all[index - 1], point),
  );
  return { whole, pieces: new BytePieces(parts) };
}

describe('BytePieces', () => {
  it('finds a sequence that spans three pieces, and nothing past the end bound', () => {
    const pieces = new BytePieces([Buffer.from('ab"d'), Buffer.from('a'), Buffer.from('ta":1')]);
    expect(pieces.indexOfSequence(Buffer.from('"data"'), 0)).toBe(2);
    expect(pieces.indexOfSequence(Buffer.from('"data"'), 3)).toBe(-1);
    expect(pieces.indexOfSequence(Buffer.from('"data"'), 0, 7)).toBe(-1);
    expect(pieces.slice(2, 8).toString()).toBe('"data"');
    expect(pieces.views(1, 7).map(String)).toEqual(['b"d', 'a', 'ta']);
  });

  it('searches, slices and reads like one buffer, however it is cut', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '"', ':'), maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '"', ':'), minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        (text, cuts, needle, fromSeed, endSeed) => {
          const { whole, pieces } = cut(text, cuts);
          const from = fromSeed % (whole.length + 1);
          const end = from + (endSeed % (whole.length - from + 1));
          const sequence = Buffer.from(needle, 'latin1');
          expect(pieces.length).toBe(whole.length);
          expect(pieces.indexOfSequence(sequence, from, end)).toBe(
            whole.subarray(0, end).indexOf(sequence, from),
          );
          expect(pieces.indexOfByte(0x22, from, end)).toBe(whole.subarray(0, end).indexOf(0x22, from));
          expect(pieces.slice(from, end).equals(whole.subarray(from, end))).toBe(true);
          expect(Buffer.concat(pieces.views(from, end)).equals(whole.subarray(from, end))).toBe(true);
          expect(pieces.at(from)).toBe(whole[from]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
