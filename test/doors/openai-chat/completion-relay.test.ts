import { describe, expect, it } from 'vitest';
import { mimeTypeBefore } from '../../../src/doors/openai-chat/completion-relay.js';

describe('the mime type declared before a relayed image string', () => {
  const at = (text: string) => [Buffer.from(`${text}QUJD`), text.length] as const;

  it('reads mimeType or mime_type right before the data key, whitespace allowed', () => {
    expect(mimeTypeBefore(...at('{"parts":[{"inlineData":{"mimeType":"image/png","data":"'))).toBe(
      'image/png',
    );
    expect(mimeTypeBefore(...at('{"inline_data": {\n  "mime_type" : "image/jpeg",\n  "data": "'))).toBe(
      'image/jpeg',
    );
  });

  it('finds none when the data comes first, the type is escaped, or belongs to another object', () => {
    expect(mimeTypeBefore(...at('{"inlineData":{"data":"'))).toBeUndefined();
    expect(mimeTypeBefore(...at('{"inlineData":{"mimeType":"image\\/png","data":"'))).toBeUndefined();
    expect(mimeTypeBefore(...at('{"mimeType":"image/png"},{"inlineData":{"data":"'))).toBeUndefined();
  });
});
