import { PassThrough, Readable } from 'node:stream';
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

  describe('from a stream (read through its data events)', () => {
    it('fills one buffer of the declared length and reports progress chunk by chunk', async () => {
      const seen: number[] = [];
      const body = await collectBody(
        Readable.from([Buffer.from('{"a":'), Buffer.from('"bc"'), Buffer.from('}')]),
        {
          declaredLength: 10,
          onProgress: (_whole, received) => seen.push(received),
        },
      );
      expect(body.toString()).toBe('{"a":"bc"}');
      expect(seen).toEqual([5, 9, 10]);
    });

    it('keeps every byte when more came than declared, and what came when fewer did', async () => {
      expect(
        (
          await collectBody(Readable.from([Buffer.from('abc'), Buffer.from('def')]), { declaredLength: 4 })
        ).toString(),
      ).toBe('abcdef');
      expect((await collectBody(Readable.from([Buffer.from('ab')]), { declaredLength: 4 })).toString()).toBe(
        'ab',
      );
    });

    it('refuses more than the limit and destroys the stream', async () => {
      const stream = Readable.from([Buffer.from('ab'), Buffer.from('cd')]);
      await expect(collectBody(stream, { declaredLength: 2, limit: 3 })).rejects.toBeInstanceOf(
        BodyTooLargeError,
      );
      expect(stream.destroyed).toBe(true);
    });

    it('rejects with the error of a stream that fails, or when it closes before its end', async () => {
      const failing = new PassThrough();
      const failed = collectBody(failing, { declaredLength: 10 });
      failing.write('abc');
      failing.destroy(new Error('connection reset'));
      await expect(failed).rejects.toThrow('connection reset');

      const cut = new PassThrough();
      const closed = collectBody(cut, { declaredLength: 10 });
      cut.write('abc');
      cut.destroy();
      await expect(closed).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    });
  });
});
