// The images of a stored conversation: left out for a new image, and trimmed to the model's limit
// oldest first, with roles still alternating.
import { describe, expect, it } from 'vitest';
import type { Content } from '../../../src/canonical/types.js';
import {
  hasImage,
  imageCount,
  withinImageLimit,
  withoutImages,
} from '../../../src/doors/openai-responses/history-images.js';

const image = { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } };
const remote = { fileData: { fileUri: 'https://images.example/a.png' } };

describe('conversation images', () => {
  it('counts inline and remote images', () => {
    const contents: Content[] = [
      { role: 'user', parts: [{ text: 'a' }, remote] },
      { role: 'model', parts: [image, image] },
    ];
    expect(imageCount(contents)).toBe(3);
    expect(hasImage(contents)).toBe(true);
    expect(hasImage([{ role: 'user', parts: [{ text: 'a' }] }])).toBe(false);
  });

  it('leaves every image out for a new image and joins the user turns an image-only answer separated', () => {
    const contents: Content[] = [
      { role: 'user', parts: [{ text: 'a red circle' }] },
      { role: 'model', parts: [image] },
      { role: 'user', parts: [{ text: 'bigger' }, remote] },
      { role: 'model', parts: [image, { text: 'done' }] },
    ];
    expect(withoutImages(contents)).toEqual([
      { role: 'user', parts: [{ text: 'a red circle' }, { text: 'bigger' }] },
      { role: 'model', parts: [{ text: 'done' }] },
    ]);
  });

  it('drops the oldest images first and returns the same contents when within the limit', () => {
    const contents: Content[] = [
      { role: 'user', parts: [{ text: '1' }] },
      { role: 'model', parts: [{ ...image, marker: 'old' } as never, { text: 'first' }] },
      { role: 'user', parts: [{ text: '2' }] },
      { role: 'model', parts: [{ ...image, marker: 'new' } as never] },
    ];
    expect(withinImageLimit(contents, 2)).toBe(contents);
    const trimmed = withinImageLimit(contents, 1);
    expect(trimmed).toEqual([
      { role: 'user', parts: [{ text: '1' }] },
      { role: 'model', parts: [{ text: 'first' }] },
      { role: 'user', parts: [{ text: '2' }] },
      { role: 'model', parts: [{ ...image, marker: 'new' }] },
    ]);
    expect(withinImageLimit(contents, -3)).toEqual(withoutImages(contents));
  });
});
