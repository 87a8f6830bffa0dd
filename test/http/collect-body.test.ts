import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, collectBody } from '../../src/http/collect-body.js';

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('collectBody', () => {
  it('fills one buffer of the declared length from many chunks', async () => {
    const body = await collectBody(chunksOf('{"a":', '"bc"', '}'), { declaredLength: '10' });
    expect(body.toString()).toBe('{"a":"bc"}');
    expect(body.length).toBe(10);
  });

  it('returns what arrived when fewer bytes came than declared', async () => {
    const body = await collectBody(chunksOf('abc', 'de'), { declaredLength: 8 });
    expect(body.toString()).toBe('abcde');
  });

  it('keeps every byte when more came than declared', async () => {
    const body = await collectBody(chunksOf('abc', 'def', 'gh'), { declaredLength: 4 });
    expect(body.toString()).toBe('abcdefgh');
  });

  it('reads a body of unknown length', async () => {
    expect((await collectBody(chunksOf('x', 'y', 'z'))).toString()).toBe('xyz');
    expect((await collectBody(chunksOf('x', 'y'), { declaredLength: 'chunked?' })).toString()).toBe('xy');
    expect((await collectBody(chunksOf())).length).toBe(0);
  });

  it('copies the bytes: a chunk reused by the socket afterwards does not change the body', async () => {
    const shared = Buffer.from('hello');
    async function* reused() {
      yield shared;
    }
    const known = await collectBody(reused(), { declaredLength: 5 });
    const unknown = await collectBody(reused());
    shared.fill(0);
    expect(known.toString()).toBe('hello');
    expect(unknown.toString()).toBe('hello');
  });

  it('refuses a body over the limit, declared or not', async () => {
    await expect(collectBody(chunksOf('abc'), { declaredLength: 3, limit: 2 })).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    await expect(collectBody(chunksOf('ab', 'cd'), { limit: 3 })).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(collectBody(chunksOf('ab', 'cd'), { declaredLength: 2, limit: 3 })).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    expect((await collectBody(chunksOf('ab', 'c'), { limit: 3 })).toString()).toBe('abc');
  });
});
