// item_reference input items → the stored output items they name.
import { describe, expect, it } from 'vitest';
import { itemId, messageItem } from '../../../src/doors/openai-responses/from-canonical.js';
import {
  referencedResponseIds,
  resolveItemReferences,
  responseIdOfItem,
} from '../../../src/doors/openai-responses/item-references.js';
import { parseResponsesBody } from '../../../src/doors/openai-responses/schema.js';
import { caught } from '../../helpers/errors.js';
import { pngBase64, tool, translate } from './translate-fixtures.js';

const responseId = 'resp_019ae3f0c2a47b1e8d5f6a7b8c9d0e1f';
const imageId = itemId('ig', responseId, 0);
const textId = itemId('msg', responseId, 1);
const stored = {
  id: responseId,
  output: [
    { id: imageId, type: 'image_generation_call', status: 'completed', result: pngBase64 },
    messageItem(textId, 'Here it is.'),
  ],
};

/** What `generateText` with `response.messages` sent back sends (captured from @ai-sdk/openai 3). */
const sdkInput = parseResponsesBody({
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'a red circle' }] },
    { type: 'item_reference', id: imageId },
    { type: 'item_reference', id: textId },
    { role: 'user', content: [{ type: 'input_text', text: 'make it blue' }] },
  ],
}).input;

describe('item references', () => {
  it('reads the response id out of this door’s item ids only', () => {
    expect(responseIdOfItem(imageId)).toBe(responseId);
    expect(responseIdOfItem(textId)).toBe(responseId);
    expect(responseIdOfItem('fc_123')).toBeUndefined();
    expect(responseIdOfItem('ig_<script>')).toBeUndefined();
  });

  it('names each stored response to read once', () => {
    expect(referencedResponseIds(sdkInput)).toEqual([responseId]);
    expect(referencedResponseIds('a string input')).toEqual([]);
  });

  it('replaces the references with the stored items, which translate to a model turn', () => {
    const input = resolveItemReferences(sdkInput, new Map([[responseId, stored]]));
    const result = translate({ input, tools: [tool] });
    expect(result.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a red circle' }] },
      {
        role: 'model',
        parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }, { text: 'Here it is.' }],
      },
      { role: 'user', parts: [{ text: 'make it blue' }] },
    ]);
  });

  it('answers 404 naming the reference when its response is not this key’s or the item is not in it', () => {
    const missing = caught(() => resolveItemReferences(sdkInput, new Map()));
    expect(missing.httpStatus).toBe(404);
    expect(missing.param).toBe('input[1].id');
    const foreign = parseResponsesBody({ input: [{ type: 'item_reference', id: 'rs_abc' }] }).input;
    expect(caught(() => resolveItemReferences(foreign, new Map([[responseId, stored]]))).param).toBe(
      'input[0].id',
    );
  });
});
