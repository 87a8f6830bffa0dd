import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import { countTokensRequest } from '../../../src/doors/gemini/count-tokens-body.js';

const contents = [{ parts: [{ text: 'hello' }] }];
const same = (name: string) => name === 'models/m' || name === 'm';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return (error as GatewayError).param ?? undefined;
  }
  throw new Error('expected a 400');
}

describe('countTokensRequest', () => {
  it('passes a bare contents body through', () => {
    expect(countTokensRequest({ contents }, same)).toEqual({ contents });
  });

  it('unwraps generateContentRequest and drops its model', () => {
    const inner = { model: 'models/m', contents, generationConfig: { temperature: 1 } };
    expect(countTokensRequest({ generateContentRequest: inner }, same)).toEqual({
      contents,
      generationConfig: { temperature: 1 },
    });
  });

  it('accepts the snake_case generate_content_request', () => {
    expect(countTokensRequest({ generate_content_request: { contents } }, same)).toEqual({ contents });
  });

  it('names generateContentRequest when both forms are sent', () => {
    expect(fieldOf(() => countTokensRequest({ contents, generateContentRequest: { contents } }, same))).toBe(
      'generateContentRequest',
    );
  });

  it('names contents when neither form is sent', () => {
    expect(fieldOf(() => countTokensRequest({}, same))).toBe('contents');
  });

  it('names generateContentRequest.model when it is another model', () => {
    expect(
      fieldOf(() =>
        countTokensRequest({ generateContentRequest: { model: 'models/other', contents } }, same),
      ),
    ).toBe('generateContentRequest.model');
  });
});
