// One matcher per operation: recognises its keyword in a normalised clause, reads the parameters and
// returns the clause with the recognised words removed (the parser then checks nothing meaningful is left).

import { colorPattern, type NamedColor, parseColor } from './colors.js';
import type { Operation, ShapeKind, ShapeSize } from './operation.js';

export type MatchOutcome =
  | { kind: 'matched'; operation: Operation; rest: string }
  | { kind: 'invalid'; problem: string }
  | { kind: 'absent' };

interface Matcher {
  keyword: RegExp;
  /** When set, decides instead of `keyword.test` (a condition one linear regex cannot express). */
  recognises?(clause: string): boolean;
  match(clause: string): MatchOutcome;
}

const absent: MatchOutcome = { kind: 'absent' };
const black = parseColor('black') as NamedColor;
const white = parseColor('white') as NamedColor;

function invalid(problem: string): MatchOutcome {
  return { kind: 'invalid', problem };
}

function matched(operation: Operation, rest: string): MatchOutcome {
  return { kind: 'matched', operation, rest };
}

/** Where the last match of a global `pattern` starts, or -1. */
function lastIndexOf(text: string, pattern: RegExp): number {
  let last = -1;
  for (const found of text.matchAll(pattern)) last = found.index ?? last;
  return last;
}

function remove(text: string, pattern: RegExp): string {
  const global = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  return text.replace(global, ' ');
}

interface ColorMention {
  color: NamedColor;
  index: number;
  precededBy: string;
}

const colorRegex = new RegExp(colorPattern, 'g');

/**
 * The word right before `index` when a single space separates them. Read by a backward scan: a
 * `(\w+) ` group in front of the colour pattern would be retried from every letter of a long word.
 */
function wordBefore(clause: string, index: number): string {
  if (clause[index - 1] !== ' ') return '';
  let start = index - 1;
  while (start > 0 && isWordCharacter(clause.charCodeAt(start - 1))) start -= 1;
  return clause.slice(start, index - 1);
}

function isWordCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f
  );
}

function findColors(clause: string): ColorMention[] {
  const mentions: ColorMention[] = [];
  for (const found of clause.matchAll(colorRegex)) {
    const color = parseColor(found[0]);
    const index = found.index ?? 0;
    if (color) mentions.push({ color, index, precededBy: wordBefore(clause, index) });
  }
  return mentions;
}

function removeColors(clause: string): string {
  return remove(clause, new RegExp(colorPattern));
}

const cropMatcher: Matcher = {
  keyword: /\bcrop(?:ped|s)?\b|\baspect ratio\b/,
  match(clause) {
    const ratio = /\b(\d{1,3}) ?: ?(\d{1,3})\b/.exec(clause);
    const square = /\bsquare\b/.test(clause);
    if (!ratio && !square)
      return invalid('crop needs an aspect ratio such as "crop to 16:9" or "crop to a square"');
    const ratioWidth = ratio ? Number(ratio[1]) : 1;
    const ratioHeight = ratio ? Number(ratio[2]) : 1;
    if (ratioWidth < 1 || ratioHeight < 1 || ratioWidth / ratioHeight > 20 || ratioHeight / ratioWidth > 20) {
      return invalid(
        `aspect ratio ${ratioWidth}:${ratioHeight} is out of range (each side 1 or more, at most 20:1)`,
      );
    }
    const rest = remove(
      clause,
      /\bcrop(?:ped|s)?\b|\b(?:aspect )?ratio\b|\bformat\b|\bsquare\b|\b\d{1,3} ?: ?\d{1,3}\b/,
    );
    return matched({ type: 'crop', ratioWidth, ratioHeight }, rest);
  },
};

const shapeNoun = /\b(circle|square|rectangle|triangle)s?\b/;

const shapeMatcher: Matcher = {
  keyword: shapeNoun,
  match(clause) {
    const shape = shapeNoun.exec(clause)?.[1] as ShapeKind;
    const backgroundPhrase = new RegExp(
      `\\b(?:on|with|against|over) (?:a |an |the )?(?:plain |solid )?(${colorPattern})? ?(?:colou?red )?(?:background|backdrop)\\b`,
    ).exec(clause);
    const backgroundColor = backgroundPhrase?.[1] ? parseColor(backgroundPhrase[1]) : white;
    let rest = backgroundPhrase ? clause.replace(backgroundPhrase[0], ' ') : clause;
    // "change the background of the square to blue" is an edit, not a drawing.
    if (/\b(?:background|backdrop)\b/.test(rest)) return absent;
    const shapeColors = findColors(rest);
    if (shapeColors.length > 1) return invalid(`a ${shape} can have only one colour`);
    const sizeWord = /\b(small|little|tiny|medium|large|big|huge)\b/.exec(rest)?.[1];
    const size: ShapeSize =
      sizeWord === 'small' || sizeWord === 'little' || sizeWord === 'tiny'
        ? 'small'
        : sizeWord === 'large' || sizeWord === 'big' || sizeWord === 'huge'
          ? 'large'
          : 'medium';
    rest = remove(
      removeColors(rest),
      /\b(?:circle|square|rectangle|triangle)s?\b|\b(?:small|little|tiny|medium|large|big|huge)\b/,
    );
    return matched(
      {
        type: 'draw',
        shape,
        size,
        shapeColor: shapeColors[0]?.color ?? black,
        backgroundColor: backgroundColor ?? white,
      },
      rest,
    );
  },
};

const backgroundMatcher: Matcher = {
  keyword: /\b(?:background|backdrop)s?\b/,
  match(clause) {
    const colors = findColors(clause);
    if (colors.length === 0)
      return invalid('changing the background needs a colour, e.g. "change the background to blue"');
    const targets = colors.filter((mention) => /^(?:to|into|with|as|be|in|is)$/.test(mention.precededBy));
    const target = colors.length === 1 ? colors[0] : targets.length === 1 ? targets[0] : undefined;
    if (!target)
      return invalid('the background instruction names several colours; say which one, e.g. "to blue"');
    const rest = remove(removeColors(clause), /\b(?:background|backdrop)s?\b|\bfrom\b/);
    return matched({ type: 'background', color: target.color }, rest);
  },
};

const grayscaleMatcher: Matcher = {
  keyword: /\b(?:gr[ae]y ?scale|monochrome|desaturated?|black and white|b ?& ?w)\b/,
  match(clause) {
    return matched({ type: 'grayscale' }, remove(clause, this.keyword));
  },
};

const invertMatcher: Matcher = {
  keyword: /\b(?:invert(?:ed|s)?|negate|negative)\b/,
  match(clause) {
    return matched({ type: 'invert' }, remove(clause, this.keyword));
  },
};

const flipMatcher: Matcher = {
  keyword: /\b(?:flip(?:ped|s)?|mirror(?:ed|s)?)\b/,
  match(clause) {
    const vertical = /\b(?:vertically|vertical|upside down|top to bottom|bottom to top)\b/;
    const horizontal = /\b(?:horizontally|horizontal|left to right|right to left|sideways)\b/;
    const direction = vertical.test(clause) ? 'vertical' : 'horizontal';
    const rest = remove(remove(remove(clause, this.keyword), vertical), horizontal);
    return matched({ type: 'flip', direction }, rest);
  },
};

const rotateMatcher: Matcher = {
  keyword: /\b(?:rotate[ds]?|rotation|upside down)\b/,
  // "turn" rotates only when an angle follows it somewhere ("turn it 90 degrees", not "turn it
  // blurry"). A lookahead `turn(?=.*angle)` rescans the rest of the clause from every "turn"; here
  // the first "turn" is compared with the last angle, each found once.
  recognises(clause) {
    if (this.keyword.test(clause)) return true;
    const turn = /\bturn\b/.exec(clause);
    if (!turn) return false;
    return lastIndexOf(clause, /\b(?:90|180|270|degrees?)\b/g) > turn.index;
  },
  match(clause) {
    const angle = /\b(\d+) ?(?:°|degrees?\b|deg\b)?/.exec(clause.replace(/°/g, ' °'));
    const leftward = /\b(?:counter ?clockwise|anti ?clockwise|ccw|(?:to the )?left)\b/;
    const rightward = /\b(?:clockwise|cw|(?:to the )?right)\b/;
    const isLeft = leftward.test(clause);
    let degrees = angle ? Number(angle[1]) : /\bupside down\b/.test(clause) ? 180 : undefined;
    if (degrees === undefined && (isLeft || rightward.test(clause))) degrees = 90;
    if (degrees === undefined)
      return invalid('rotate needs an angle: 90, 180 or 270 degrees (left or right)');
    if (degrees !== 90 && degrees !== 180 && degrees !== 270) {
      return invalid(`rotation by ${degrees}° is not supported; use 90, 180 or 270 degrees`);
    }
    const clockwise = (isLeft ? (360 - degrees) % 360 : degrees) as 90 | 180 | 270;
    const rest = remove(
      remove(remove(clause, this.keyword), leftward),
      /\brotate[ds]?\b|\bturn\b|\bby\b|\b\d+ ?(?:°|degrees?\b|deg\b)?|°|\bclockwise\b|\bcw\b|\b(?:to the )?right\b/,
    );
    return matched({ type: 'rotate', degrees: clockwise }, rest);
  },
};

const blurMatcher: Matcher = {
  keyword: /\b(?:blur(?:red|ry|s)?|gaussian|soften)\b/,
  match(clause) {
    const amount =
      /\b(?:(?:with )?(?:a )?(?:sigma|radius|strength|amount)(?: of| =)? ?)?(\d+(?:\.\d+)?)(?: ?px| ?pixels?)?\b/;
    const found = amount.exec(clause);
    let sigma = found ? Number(found[1]) : 3;
    if (!found && /\b(?:slightly|a little|a bit|lightly|subtly)\b/.test(clause)) sigma = 1.5;
    if (!found && /\b(?:heavily|strongly|a lot|very|much)\b/.test(clause)) sigma = 10;
    if (sigma < 0.3 || sigma > 100) return invalid(`blur sigma ${sigma} is out of range (0.3 to 100)`);
    const rest = remove(
      remove(remove(clause, this.keyword), amount),
      /\b(?:slightly|a little|a bit|lightly|subtly|heavily|strongly|a lot|very|much)\b/,
    );
    return matched({ type: 'blur', sigma }, rest);
  },
};

const sharpenMatcher: Matcher = {
  keyword: /\b(?:sharpen(?:ed|s)?|sharper)\b/,
  match(clause) {
    return matched({ type: 'sharpen' }, remove(clause, this.keyword));
  },
};

const resizeMatcher: Matcher = {
  keyword:
    /\b(?:resize[ds]?|scale[ds]?|shrink|enlarge|downscale|upscale)\b|\b\d+ ?x ?\d+\b|\b(?:half|double|twice) (?:the |its )?size\b/,
  match(clause) {
    const dimensions = /\b(\d+) ?(?:x|by|\*) ?(\d+)\b(?: ?px| ?pixels)?/.exec(clause);
    const percent = /\b(\d+(?:\.\d+)?) ?(?:%|percent\b)/.exec(clause);
    const word = /\b(half|double|twice)\b/.exec(clause)?.[1];
    const rest = remove(
      remove(
        remove(clause, this.keyword),
        /\b(\d+) ?(?:x|by|\*) ?(\d+)\b(?: ?px| ?pixels)?|\b(\d+(?:\.\d+)?) ?(?:%|percent\b)/,
      ),
      /\b(?:half|double|twice)\b|\b(?:the )?size\b|\bby\b/,
    );
    if (dimensions) {
      const width = Number(dimensions[1]);
      const height = Number(dimensions[2]);
      if (width < 1 || height < 1 || width > 4096 || height > 4096) {
        return invalid(`resize to ${width}x${height} is out of range (1 to 4096 pixels per side)`);
      }
      return matched({ type: 'resize', width, height }, rest);
    }
    const scale = percent ? Number(percent[1]) : word === 'half' ? 50 : word ? 200 : undefined;
    if (scale === undefined)
      return invalid('resize needs a size such as "resize to 800x600" or "resize to 50%"');
    if (scale < 1 || scale > 400) return invalid(`resize by ${scale}% is out of range (1% to 400%)`);
    return matched({ type: 'scale', percent: scale }, rest);
  },
};

const borderMatcher: Matcher = {
  keyword: /\b(?:border|frame)s?\b/,
  match(clause) {
    const sizePattern = /\b(\d+) ?(?:px|pixels?)?\b(?: (?:wide|thick))?/;
    const sizeFound = sizePattern.exec(clause);
    const thickness = /\b(thin|thick)\b/.exec(clause)?.[1];
    const size = sizeFound
      ? Number(sizeFound[1])
      : thickness === 'thin'
        ? 4
        : thickness === 'thick'
          ? 40
          : 10;
    if (size < 1 || size > 1024) return invalid(`a border of ${size} px is out of range (1 to 1024 px)`);
    const colors = findColors(clause);
    if (colors.length > 1) return invalid('a border can have only one colour');
    const rest = remove(
      remove(removeColors(clause), sizePattern),
      /\b(?:border|frame)s?\b|\b(?:thin|thick)\b/,
    );
    return matched({ type: 'border', size, color: colors[0]?.color ?? black }, rest);
  },
};

const combineMatcher: Matcher = {
  keyword:
    /\b(?:side by side|next to each other|combine[ds]?|concatenate[ds]?|merge[ds]?|stitch(?:ed)?|join)\b/,
  match(clause) {
    const rest = remove(
      remove(clause, this.keyword),
      /\b(?:place|put|arrange|them|together|horizontally|both|two|images|pictures|photos|into one|one)\b/,
    );
    return matched({ type: 'combine' }, rest);
  },
};

/** Tried in order; the first matcher whose keyword occurs in a clause decides it. */
export const matchers: readonly Matcher[] = [
  cropMatcher,
  combineMatcher,
  shapeMatcher,
  backgroundMatcher,
  grayscaleMatcher,
  invertMatcher,
  flipMatcher,
  rotateMatcher,
  blurMatcher,
  sharpenMatcher,
  borderMatcher,
  resizeMatcher,
];

export function matchClause(clause: string): MatchOutcome {
  for (const matcher of matchers) {
    if (!(matcher.recognises ? matcher.recognises(clause) : matcher.keyword.test(clause))) continue;
    const outcome = matcher.match(clause);
    if (outcome.kind !== 'absent') return outcome;
  }
  return absent;
}
