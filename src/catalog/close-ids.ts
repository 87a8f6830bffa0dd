// Suggests known names close to a mistyped one ("did you mean …"), ranked by edit distance and
// then by the length of the shared prefix.

export function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1] + (left[row - 1] === right[column - 1] ? 0 : 1);
      current[column] = Math.min(previous[column] + 1, current[column - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length];
}

function sharedPrefixLength(left: string, right: string): number {
  let length = 0;
  while (length < left.length && length < right.length && left[length] === right[length]) length++;
  return length;
}

/**
 * Names within a few edits of `unknown` (a third of its length, at least 2), or sharing a long
 * prefix with it; best first, at most `limit`, in candidate order on ties.
 */
export function closestNames(unknown: string, candidates: readonly string[], limit = 3): string[] {
  const needle = unknown.toLowerCase();
  const maximumDistance = Math.max(2, Math.floor(needle.length / 3));
  const minimumPrefix = Math.max(4, Math.ceil(needle.length / 2));
  const scored: { name: string; distance: number; prefix: number; order: number }[] = [];
  const seen = new Set<string>();
  candidates.forEach((name, order) => {
    if (seen.has(name) || name === unknown) return;
    seen.add(name);
    const lowered = name.toLowerCase();
    const distance = editDistance(needle, lowered);
    const prefix = sharedPrefixLength(needle, lowered);
    if (distance <= maximumDistance || prefix >= minimumPrefix)
      scored.push({ name, distance, prefix, order });
  });
  scored.sort((a, b) => a.distance - b.distance || b.prefix - a.prefix || a.order - b.order);
  return scored.slice(0, Math.max(0, limit)).map((entry) => entry.name);
}

/** A name a client sent, as an error message may quote it: at most 100 characters, so an answer is never an echo. */
export function quotedName(name: string): string {
  return name.length > 100 ? `${name.slice(0, 100)}…` : name;
}
