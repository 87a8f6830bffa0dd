import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { credentialOf } from '../../src/http/credential-constraint.js';

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

describe('credentialOf', () => {
  it('derives google from an x-goog-api-key header', () => {
    expect(credentialOf(request('/v1/models', { 'x-goog-api-key': 'k' }))).toBe('google');
  });

  it('derives google from a ?key= query parameter', () => {
    expect(credentialOf(request('/v1/models?pageSize=2&key=k'))).toBe('google');
  });

  it('derives nothing for a Bearer key, even beside a Google key', () => {
    expect(
      credentialOf(request('/v1/models?key=k', { authorization: 'Bearer b', 'x-goog-api-key': 'k' })),
    ).toBe(undefined);
  });

  it('derives nothing without a key, or with an empty one', () => {
    expect(credentialOf(request('/v1/models'))).toBe(undefined);
    expect(credentialOf(request('/v1/models?key=', { 'x-goog-api-key': ' ' }))).toBe(undefined);
  });
});
