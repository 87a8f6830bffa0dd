// An error object inside a 200 answer or a stream event is classified by its own code, as the same
// error would be as an HTTP status: the key rests on a 429, the route counts a 503, and an object
// without a usable code is a malformed answer. The upstream's words never reach the message.
import { describe, expect, it } from 'vitest';
import { countsAgainstRoute, isKeyFailure, shouldFailOver } from '../../../src/routing/failover-policy.js';
import type { GatewayError } from '../../../src/canonical/errors.js';
import { parseGeminiBody } from '../../../src/providers/gemini/parse-response.js';

function inBand(error: unknown) {
  try {
    parseGeminiBody('google', JSON.stringify({ error }));
  } catch (failure) {
    return failure as GatewayError;
  }
  throw new Error('expected the answer to be refused');
}

describe('an error object inside a 200 Gemini answer', () => {
  it('rests the key and fails over on an in-band 429', () => {
    const error = inBand({ code: 429, status: 'RESOURCE_EXHAUSTED', message: 'slow down <script>' });
    expect(error.errorClass).toBe('rate_limited');
    expect(isKeyFailure(error)).toBe(true);
    expect(shouldFailOver(error)).toBe(true);
    expect(error.message).not.toContain('<script>');
  });

  it('counts an in-band 503 against the route as overloaded', () => {
    const error = inBand({ code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' });
    expect(error.errorClass).toBe('overloaded');
    expect(countsAgainstRoute(error)).toBe(true);
  });

  it('treats an in-band NOT_FOUND as the model gone from the route', () => {
    expect(inBand({ code: 404, status: 'NOT_FOUND', message: 'models/x is not found' }).errorClass).toBe(
      'model_gone',
    );
  });

  it("calls an error without a usable code a malformed answer, in the gateway's words", () => {
    for (const error of ['boom', { code: 200 }, { code: '429' }, { code: 4290 }, { message: 'x' }]) {
      const failure = inBand(error);
      expect(failure.errorClass).toBe('upstream_bug');
      expect(failure.message).toContain('an error object inside a 200 answer');
    }
  });
});
