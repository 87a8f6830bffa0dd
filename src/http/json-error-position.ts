// Finds where a JSON text stops being valid, for error messages when V8's own message has no
// position. Only called after JSON.parse failed, so speed matters less than a precise offset.

/** Offset of the first character that cannot continue a valid JSON text (text.length if it ends early). */
export function jsonErrorPosition(text: string): number {
  let index = 0;
  const fail = (at: number): never => {
    throw at;
  };
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index += 1;
  };
  const literal = (word: string) => {
    for (const character of word) {
      if (text[index] !== character) fail(index);
      index += 1;
    }
  };
  const string = () => {
    index += 1;
    while (index < text.length) {
      const character = text[index];
      if (character === '"') {
        index += 1;
        return;
      }
      if (character === '\\') {
        const escaped = text[index + 1];
        if (escaped === undefined) fail(text.length);
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) fail(index + 2);
          index += 6;
        } else if ('"\\/bfnrt'.includes(escaped)) index += 2;
        else fail(index + 1);
      } else if (character.charCodeAt(0) < 0x20) fail(index);
      else index += 1;
    }
    fail(text.length);
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index, index + 400));
    if (!match || match[0] === '-' || match[0] === '') fail(index);
    index += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail(index);
    skipSpace();
    const character = text[index];
    if (character === undefined) fail(text.length);
    if (character === '{') {
      index += 1;
      skipSpace();
      if (text[index] === '}') {
        index += 1;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[index] !== '"') fail(index);
        string();
        skipSpace();
        if (text[index] !== ':') fail(index);
        index += 1;
        value(depth + 1);
        skipSpace();
        if (text[index] === ',') index += 1;
        else if (text[index] === '}') {
          index += 1;
          return;
        } else fail(index);
      }
    }
    if (character === '[') {
      index += 1;
      skipSpace();
      if (text[index] === ']') {
        index += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        skipSpace();
        if (text[index] === ',') index += 1;
        else if (text[index] === ']') {
          index += 1;
          return;
        } else fail(index);
      }
    }
    if (character === '"') string();
    else if (character === 't') literal('true');
    else if (character === 'f') literal('false');
    else if (character === 'n') literal('null');
    else number();
  };
  try {
    value(0);
    skipSpace();
    if (index < text.length) fail(index);
  } catch (position) {
    if (typeof position === 'number') return Math.min(position, text.length);
    throw position;
  }
  return text.length;
}
