// Finds images an upstream mentions in its text: markdown images `![alt](target)` and bare http(s)
// URLs ending in an image extension. Upstream text may be hostile, so every search here moves
// forward only and remembers what it found: the work is linear in the text's length, where the
// regular expressions these replace were retried from every `![` or `http` and took the square of
// it (1 MB of `![` ran for minutes). Pure.

export interface TextSpan {
  start: number;
  end: number;
}

export interface MarkdownImage extends TextSpan {
  /** What stands between the parentheses, without the spaces around it. */
  target: string;
}

/**
 * The first index at or after `from` where `find` matches, for `from` values that only grow: a
 * search is repeated only once the position it found is behind, so each stretch is read once.
 */
function forwardSearch(find: (from: number) => number): (from: number) => number {
  let searchedFrom = -1;
  let found = -1;
  return (from) => {
    const stillValid = searchedFrom >= 0 && searchedFrom <= from && (found < 0 || found >= from);
    if (!stillValid) {
      searchedFrom = from;
      found = find(from);
    }
    return found;
  };
}

function regexSearch(text: string, pattern: RegExp): (from: number) => number {
  const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
  return forwardSearch((from) => {
    global.lastIndex = from;
    return global.exec(text)?.index ?? -1;
  });
}

/** Where a markdown target's text starts and ends (the spaces around it left out). */
export type TargetTest = (targetStart: number, targetEnd: number) => boolean;

/**
 * Each `![alt](target)` in order, as `![…](…)` would find them left to right: alt without `]`,
 * target up to the first `)`. `accepts` decides whether a target counts (it must not read the
 * whole target each time: refused targets overlap); a refused one lets a later `![` inside it be tried.
 */
export function findMarkdownImages(text: string, accepts: TargetTest): MarkdownImage[] {
  const images: MarkdownImage[] = [];
  const nextOpen = forwardSearch((from) => text.indexOf('![', from));
  const nextAltEnd = forwardSearch((from) => text.indexOf(']', from));
  const nextClose = forwardSearch((from) => text.indexOf(')', from));
  const nextNonSpace = regexSearch(text, /\S/);
  let trimmedClose = { close: -1, end: -1 };
  /** The end of the target before `close`, its trailing spaces left out; read once per `)`. */
  const targetEndBefore = (close: number): number => {
    if (trimmedClose.close !== close) {
      let end = close;
      while (end > 0 && /\s/.test(text[end - 1])) end -= 1;
      trimmedClose = { close, end };
    }
    return trimmedClose.end;
  };
  let from = 0;
  for (;;) {
    const open = nextOpen(from);
    if (open < 0) break;
    const altEnd = nextAltEnd(open + 2);
    if (altEnd < 0) break;
    if (text[altEnd + 1] !== '(') {
      // Every `![` before this `]` shares it, so none of them starts an image.
      from = altEnd + 1;
      continue;
    }
    const close = nextClose(altEnd + 2);
    if (close < 0) break;
    const targetStart = Math.min(close, nextNonSpace(altEnd + 2));
    const targetEnd = Math.max(targetStart, targetEndBefore(close));
    if (accepts(targetStart, targetEnd)) {
      images.push({ start: open, end: close + 1, target: text.slice(targetStart, targetEnd) });
      from = close + 1;
    } else {
      from = altEnd + 1;
    }
  }
  return images;
}

const dataUrlHead = /data:(image\/[A-Za-z0-9.+-]+);base64,/y;

/** Accepts targets holding a base64 image: `data:image/…;base64,` and base64 or white space after it. */
export function dataImageTargets(text: string): TargetTest {
  const nextNonBase64 = regexSearch(text, /[^A-Za-z0-9+/=\s]/);
  return (targetStart, targetEnd) => {
    dataUrlHead.lastIndex = targetStart;
    if (!dataUrlHead.exec(text)) return false;
    const bodyStart = dataUrlHead.lastIndex;
    if (bodyStart >= targetEnd) return false;
    const outside = nextNonBase64(bodyStart);
    return outside < 0 || outside >= targetEnd;
  };
}

/** A data-URL target's type and its base64 without white space. */
export function markdownDataImage(target: string): { mimeType: string; data: string } {
  const comma = target.indexOf(',');
  return {
    mimeType: target.slice('data:'.length, target.indexOf(';')),
    data: target.slice(comma + 1).replace(/\s+/g, ''),
  };
}

const urlScheme = /https?:\/\//y;

/** Accepts targets that are one http(s) URL. */
export function hostedTargets(text: string): TargetTest {
  const nextSpace = regexSearch(text, /\s/);
  return (targetStart, targetEnd) => {
    urlScheme.lastIndex = targetStart;
    if (!urlScheme.test(text) || urlScheme.lastIndex >= targetEnd) return false;
    const space = nextSpace(targetStart);
    return space < 0 || space >= targetEnd;
  };
}

/** Accepts targets that are exactly `url`. */
export function targetsEqualTo(text: string, url: string): TargetTest {
  return (targetStart, targetEnd) =>
    targetEnd - targetStart === url.length && text.startsWith(url, targetStart);
}

/** Characters that end a bare URL. */
const urlStop = /[\s()<>"'\]]/;
/** Characters after an image extension that end the URL there (a sentence's punctuation among them). */
const afterExtension = /[\s)"'<>\].,;!]/;
const trailingPunctuation = /[.,;!]/;

/**
 * Bare http(s) URLs whose path ends in .png, .jpg, .jpeg, .webp or .gif, with an optional query,
 * as `https?://[^stops]+?\.(png|jpe?g|webp|gif)(\?[^stops]*)?(?=[stops .,;!]|$)` (case-insensitive)
 * finds them: the shortest URL that ends in an extension, the longest query after it.
 */
export function findBareImageUrls(text: string): TextSpan[] {
  const urls: TextSpan[] = [];
  const nextStop = regexSearch(text, urlStop);
  const nextExtension = regexSearch(text, /\.(?:png|jpe?g|webp|gif)/i);
  const extensionLength = /^\.(?:png|jpe?g|webp|gif)/i;
  let lastPunctuation = { runEnd: -1, index: -1 };
  /** The last `.,;!` of the run ending at `runEnd` (not before `runStart`); read once per run. */
  const punctuationBefore = (runEnd: number, runStart: number): number => {
    if (lastPunctuation.runEnd !== runEnd) {
      let index = runEnd - 1;
      while (index >= runStart && !trailingPunctuation.test(text[index])) index -= 1;
      lastPunctuation = { runEnd, index };
    }
    return lastPunctuation.index;
  };
  let consumed = 0;
  for (const scheme of text.matchAll(/https?:\/\//gi)) {
    const start = scheme.index;
    if (start < consumed) continue;
    const stop = nextStop(start);
    const runEnd = stop < 0 ? text.length : stop;
    let end = -1;
    let candidate = nextExtension(start + scheme[0].length + 1);
    while (end < 0 && candidate >= 0 && candidate < runEnd) {
      const afterCandidate =
        candidate + (extensionLength.exec(text.slice(candidate, candidate + 5))?.[0].length ?? 0);
      end = urlEndAfterExtension(text, afterCandidate, runEnd, () => punctuationBefore(runEnd, start));
      if (end < 0) candidate = nextExtension(afterCandidate);
    }
    if (end >= 0) {
      urls.push({ start, end });
      consumed = end;
    } else {
      // No extension of this run ends a URL, so no later start in the run can either.
      consumed = runEnd;
    }
  }
  return urls;
}

/** Where a URL whose extension ends at `position` ends, or -1 when the extension cannot end it. */
function urlEndAfterExtension(
  text: string,
  position: number,
  runEnd: number,
  lastPunctuation: () => number,
): number {
  if (position > runEnd) return -1;
  if (position === text.length || afterExtension.test(text[position])) return position;
  if (text[position] !== '?') return -1;
  // The query runs to the end of the run, unless what follows it ("(") cannot end a URL: then it
  // stops before the run's last punctuation mark.
  if (runEnd === text.length || text[runEnd] !== '(') return runEnd;
  const punctuation = lastPunctuation();
  return punctuation > position ? punctuation : -1;
}
