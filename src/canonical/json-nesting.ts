// How deeply a JSON text nests, found by one iterative byte scan before anything parses or walks it:
// JSON.parse takes seconds over megabytes of `[`, and every recursive walk after it (request
// normalisation, JSON.stringify) overflows the stack on a deep enough nest. Pure.

import { BytePieces } from './byte-pieces.js';

/** Deepest nesting of objects and arrays accepted in any body or answer; real requests use under 10. */
export const maxJsonNesting = 64;

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;

/** The few operations the scan needs, over bytes, a string or bytes in pieces. */
interface ScannedText {
  length: number;
  at(index: number): number;
  /** The first `"` at or after `from`, or -1. */
  nextQuote(from: number): number;
}

function scannedText(text: Buffer | string | BytePieces): ScannedText {
  if (typeof text === 'string') {
    return {
      length: text.length,
      at: (index) => text.charCodeAt(index),
      nextQuote: (from) => text.indexOf('"', from),
    };
  }
  if (text instanceof BytePieces) {
    return {
      length: text.length,
      at: (index) => text.at(index) ?? 0,
      nextQuote: (from) => text.indexOfByte(quote, from),
    };
  }
  return { length: text.length, at: (index) => text[index], nextQuote: (from) => text.indexOf(quote, from) };
}

/** Where the string opened by the quote at `opening` ends (its closing quote), or -1 when it does not. */
function stringEnd(text: ScannedText, opening: number): number {
  let candidate = text.nextQuote(opening + 1);
  while (candidate >= 0) {
    // A quote preceded by an odd run of backslashes is escaped. Each run is counted once, since the
    // next search starts after this quote: the scan stays linear.
    let backslashes = 0;
    while (text.at(candidate - 1 - backslashes) === backslash) backslashes += 1;
    if (backslashes % 2 === 0) return candidate;
    candidate = text.nextQuote(candidate + 1);
  }
  return -1;
}

/**
 * The offset of the first `[` or `{` that opens level `limit + 1`, or -1 when the text nests no
 * deeper than `limit`. Brackets inside strings do not count; the text need not be valid JSON
 * (JSON.parse reports its other faults afterwards).
 */
export function excessNestingOffset(
  body: Buffer | string | BytePieces,
  limit: number = maxJsonNesting,
): number {
  const text = scannedText(body);
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.at(index);
    if (code === quote) {
      const end = stringEnd(text, index);
      if (end < 0) return -1;
      index = end;
    } else if (code === openBracket || code === openBrace) {
      depth += 1;
      if (depth > limit) return index;
    } else if (code === closeBracket || code === closeBrace) {
      depth -= 1;
    }
  }
  return -1;
}
