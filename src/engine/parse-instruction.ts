// Pure: turns an instruction ("make it grayscale and flip it horizontally") into the ordered list of
// operations, or a reason that says what was understood, what was not, and what is supported.

import { matchClause } from './instruction-matchers.js';
import { describeOperation, type Operation } from './operation.js';

export type ParsedInstruction =
  | { kind: 'operations'; operations: Operation[] }
  | { kind: 'not_understood'; reason: string };

/** The grammar in one paragraph; appended to every "not understood" reason. */
export const supportedInstructions =
  'Supported instructions: change the background to a colour ("change the background to blue"); ' +
  'grayscale / black and white; invert; rotate 90, 180 or 270 degrees (left or right); ' +
  'flip horizontally or vertically (mirror); blur [sigma]; sharpen; resize to WIDTHxHEIGHT or by N%; ' +
  'crop to an aspect ratio ("crop to 16:9"); add an N px COLOUR border; ' +
  'place the images side by side; and, without an input image, a simple shape ' +
  '("a red circle on a white background": circle, square, rectangle, triangle). ' +
  'Colours: red, green, blue, yellow, white, black, gray, orange, purple, pink, cyan, magenta, brown ' +
  '(and more CSS names) or #rrggbb. Combine several with "and", commas or "then".';

/** Phrases that carry no operation: politeness, "edit this image", "keep the square visible", "return an image". */
const fillerPhrases: readonly RegExp[] = [
  /\b(?:please|kindly)\b/g,
  /\b(?:can|could|would|will) you\b/g,
  /\bi(?: would| d)? (?:want|like|need)(?: you)?(?: to)?\b/g,
  /\b(?:edit|modify|take|use|transform|process|update|change) (?:this|the|my|that|attached|following|given|input)(?: attached| following| given| input| uploaded)? (?:image|picture|photo|photograph|png)s?\b/g,
  /\b(?:return|output|give me|respond with|send(?: back)?|provide|produce) (?:an? |the |me |back )*(?:edited |new |resulting |modified |final |updated )?(?:image|picture|photo|png)(?: output| only| back| as output| as the output)?\b/g,
  /\b(?:do not|don t|dont) change anything else\b/g,
  /\bimage output\b/g,
  /\b(?:thanks|thank you)\b/g,
];

const keepWords = /\b(?:keep|leave|preserve)\b/g;
const keptWords = /\b(?:visible|intact|unchanged|the same|as is|as it is|untouched|in place|alone)\b/g;
const phraseStops = /[.,;:!?]/g;

/**
 * Removes "keep … visible" phrases: a keep word up to the first kept word after it in the same part
 * of the sentence. What `keep\b[^.,;:!?]*?\bvisible` would remove, but that pattern scans on from
 * every keep word, so "keep keep keep …" costs the square of its length. Here each keep word, kept
 * word and stop is found once, and the three lists are walked together.
 */
export function removeKeepPhrases(text: string): string {
  const keeps = [...text.matchAll(keepWords)];
  if (keeps.length === 0) return text;
  const kept = [...text.matchAll(keptWords)];
  const stops = [...text.matchAll(phraseStops)].map((found) => found.index);
  const pieces: string[] = [];
  let copiedUpTo = 0;
  let keptAt = 0;
  let stopAt = 0;
  for (const keep of keeps) {
    if (keep.index < copiedUpTo) continue;
    const keepEnd = keep.index + keep[0].length;
    while (keptAt < kept.length && kept[keptAt].index < keepEnd) keptAt += 1;
    while (stopAt < stops.length && stops[stopAt] < keepEnd) stopAt += 1;
    const end = kept[keptAt];
    if (!end || (stopAt < stops.length && stops[stopAt] < end.index)) continue;
    pieces.push(text.slice(copiedUpTo, keep.index), ' ');
    copiedUpTo = end.index + end[0].length;
  }
  pieces.push(text.slice(copiedUpTo));
  return pieces.join('');
}

/** Longest instruction the engine reads; its grammar needs a sentence or two, the retest's is 109. */
export const maxInstructionCharacters = 2000;

/** Words that may surround an operation without changing its meaning. */
const ignorableWords: ReadonlySet<string> = new Set(
  (
    'a an the it its this that these those them image images picture pictures photo photograph to of with by in ' +
    'into on onto from and then also now me please so is be make change set turn convert apply just for my ' +
    'whole entire colour color colours colors up some do you let lets should would could can all everything at ' +
    'as same time version result output draw create generate render paint show give put add replace fill ' +
    'simple single plain solid one only new edited edit'
  ).split(' '),
);

/** Lower case, one space between words, hyphens and curly quotes flattened, "black and white" kept whole. */
export function normalizeInstruction(instruction: string): string {
  return instruction
    .toLowerCase()
    .replace(/[’'`"“”]/g, ' ')
    .replace(/×/g, 'x')
    .replace(/(\w)-(?=\w)/g, '$1 ')
    .replace(/\bblack (?:and|&|n) white\b|\bb ?& ?w\b/g, 'grayscale')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits on sentence ends, colons followed by a space, commas, semicolons, "and", "then", "also". */
export function splitClauses(normalized: string): string[] {
  return normalized
    .split(/[.;!?](?=\s|$)|:(?=\s|$)|,|\n|&|\band then\b|\bthen\b|\band\b|\balso\b|\bafter that\b/)
    .map((clause) => clause.replace(/\s+/g, ' ').trim())
    .filter((clause) => clause.length > 0);
}

function meaningfulWords(text: string): string[] {
  return text.split(/[^a-z0-9#%]+/).filter((word) => word.length > 0 && !ignorableWords.has(word));
}

function notUnderstood(problem: string, operations: Operation[]): ParsedInstruction {
  const understood =
    operations.length > 0
      ? ` Understood so far: ${operations.map(describeOperation).join('; ')}.`
      : ' No supported operation was recognised.';
  return { kind: 'not_understood', reason: `${problem}${understood} ${supportedInstructions}` };
}

export function parseInstruction(instruction: string): ParsedInstruction {
  if (instruction.length > maxInstructionCharacters) {
    return notUnderstood(
      `The instruction is ${instruction.length} characters long; the local engine reads at most ${maxInstructionCharacters}.`,
      [],
    );
  }
  let text = normalizeInstruction(instruction);
  for (const filler of fillerPhrases) text = text.replace(filler, ' ');
  text = removeKeepPhrases(text);
  const operations: Operation[] = [];
  for (const clause of splitClauses(text)) {
    const outcome = matchClause(clause);
    if (outcome.kind === 'invalid')
      return notUnderstood(`Could not apply "${clause}": ${outcome.problem}.`, operations);
    if (outcome.kind === 'absent') {
      if (meaningfulWords(clause).length === 0) continue;
      return notUnderstood(`Did not understand "${clause}".`, operations);
    }
    const leftover = meaningfulWords(outcome.rest);
    if (leftover.length > 0) {
      return notUnderstood(
        `Understood "${describeOperation(outcome.operation)}" in "${clause}" but not the words: ${leftover.join(', ')}.`,
        operations,
      );
    }
    operations.push(outcome.operation);
  }
  if (operations.length === 0) {
    const problem =
      text.trim().length === 0 ? 'The instruction is empty.' : 'The instruction asks for no change.';
    return notUnderstood(problem, operations);
  }
  return { kind: 'operations', operations };
}
