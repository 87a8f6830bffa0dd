// The instruction parser's work grows with the instruction's length, not its square: each matcher
// and filler is run directly on megabyte-long text (the engine itself refuses text that long).
import { describe, expect, it } from 'vitest';
import { matchClause } from '../../src/engine/instruction-matchers.js';
import {
  maxInstructionCharacters,
  parseInstruction,
  removeKeepPhrases,
} from '../../src/engine/parse-instruction.js';

/** Generous: linear work on a megabyte takes milliseconds; the backtracking patterns took minutes. */
const generousMs = 2_000;

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const megabyteClauses: Array<[string, string]> = [
  ['a colour after a megabyte-long word', `change the background to blue ${'x'.repeat(1_000_000)}`],
  ['a background colour after many short words', `change the background to blue ${'xy '.repeat(330_000)}`],
  ['a shape with many words and no colour', `a circle ${'ab '.repeat(330_000)}`],
  ['"turn" repeated with an angle at the very end', `${'turn '.repeat(200_000)}90`],
  ['"turn" repeated without an angle', 'turn '.repeat(200_000)],
  ['a border with a megabyte of digits', `border ${'1'.repeat(1_000_000)}x`],
  ['a resize with a megabyte of digits', `resize ${'1'.repeat(1_000_000)} x`],
];

describe('instruction parsing on hostile text', () => {
  it.each(megabyteClauses)('matches %s within 2 s', (_name, clause) => {
    expect(timed(() => matchClause(clause))).toBeLessThan(generousMs);
  });

  it('removes keep phrases from a megabyte of "keep" within 2 s', () => {
    expect(timed(() => removeKeepPhrases('keep '.repeat(200_000)))).toBeLessThan(generousMs);
    expect(timed(() => removeKeepPhrases(`${'keep '.repeat(200_000)}visible`))).toBeLessThan(generousMs);
  });

  it('removes keep phrases as the pattern it replaces did', () => {
    const pattern =
      /\b(?:keep|leave|preserve)\b[^.,;:!?]*?\b(?:visible|intact|unchanged|the same|as is|as it is|untouched|in place|alone)\b/g;
    const samples = [
      'change the background to blue and keep the main square visible. return image output.',
      'keep keep visible, leave it alone; preserve. visible keep the same as it is',
      'keep, visible keep it intact and keep the rest untouched keep',
      'keepvisible keep visibleness keep in place!',
    ];
    for (const sample of samples) expect(removeKeepPhrases(sample)).toBe(sample.replace(pattern, ' '));
  });

  it('still reads a turn with an angle as a rotation, and a turn without one as something else', () => {
    expect(matchClause('turn it 90 degrees')).toMatchObject({
      kind: 'matched',
      operation: { type: 'rotate' },
    });
    expect(matchClause('turn it blurry')).toMatchObject({ kind: 'matched', operation: { type: 'blur' } });
    expect(matchClause('turn 90 turn')).toMatchObject({ kind: 'matched', operation: { type: 'rotate' } });
    expect(matchClause('90 degrees turn')).toMatchObject({ kind: 'absent' });
  });

  it('refuses an instruction over the length limit at once, saying the limit', () => {
    const instruction = `change the background to blue ${'x'.repeat(60_000)}`;
    let parsed: ReturnType<typeof parseInstruction> | undefined;
    expect(timed(() => (parsed = parseInstruction(instruction)))).toBeLessThan(generousMs);
    expect(parsed).toMatchObject({ kind: 'not_understood' });
    expect(parsed?.kind === 'not_understood' && parsed.reason).toContain(
      `at most ${maxInstructionCharacters}`,
    );
    expect(parseInstruction(`change the background to blue ${'x'.repeat(100)}`).kind).toBe('not_understood');
  });

  it('reads the retest instruction as before', () => {
    const parsed = parseInstruction(
      'Edit this image: change the background to blue and keep the main square visible. Return image output.',
    );
    expect(parsed).toMatchObject({ kind: 'operations', operations: [{ type: 'background' }] });
  });
});
