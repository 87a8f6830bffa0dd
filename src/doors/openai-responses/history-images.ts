// Images of a stored conversation: whether there is one, leaving them out for a new image, and
// keeping a long conversation within the number of images the model accepts.
import type { Content } from '../../canonical/types.js';

export function hasImage(contents: readonly Content[]): boolean {
  return contents.some((content) =>
    (content.parts ?? []).some((part) => part.inlineData !== undefined || part.fileData !== undefined),
  );
}

/** `action: generate` makes a new image: earlier images are left out, the text of the turns kept. */
export function withoutImages(contents: readonly Content[]): Content[] {
  return [...withinImageLimit(contents, 0)];
}

export function imageCount(contents: readonly Content[]): number {
  let count = 0;
  for (const content of contents) {
    for (const part of content.parts ?? []) if (part.inlineData || part.fileData) count += 1;
  }
  return count;
}

/**
 * A conversation whose turns each made an image soon holds more images than the model accepts: its
 * oldest images are left out (their turns' text kept), so the newest, the one being edited, stays.
 * A model turn left empty goes, and the user turns around it become one: roles still alternate.
 */
export function withinImageLimit(history: readonly Content[], budget: number): readonly Content[] {
  let excess = imageCount(history) - Math.max(0, budget);
  if (excess <= 0) return history;
  const trimmed: Content[] = [];
  for (const content of history) {
    const parts = (content.parts ?? []).filter((part) => {
      if (excess <= 0 || (!part.inlineData && !part.fileData)) return true;
      excess -= 1;
      return false;
    });
    if (parts.length === 0) continue;
    const last = trimmed.at(-1);
    if (last !== undefined && last.role === content.role) last.parts = [...(last.parts ?? []), ...parts];
    else trimmed.push({ ...content, parts });
  }
  return trimmed;
}
