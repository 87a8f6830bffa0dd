import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/canonical/errors.js';
import { PixelMemory } from '../../src/engine/pixel-memory.js';

describe('PixelMemory', () => {
  it('lets reservations in while they fit and queues the rest in arrival order', async () => {
    const memory = new PixelMemory({ limitBytes: 100, maxWaitMs: 5_000 });
    const first = await memory.reserve(60);
    const order: string[] = [];
    const second = memory.reserve(60).then((release) => {
      order.push('second');
      return release;
    });
    const third = memory.reserve(10).then((release) => {
      order.push('third');
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory.waiting).toBe(2);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(memory.held).toBe(0);
  });

  it('lets one reservation larger than the bound run alone', async () => {
    const memory = new PixelMemory({ limitBytes: 100, maxWaitMs: 5_000 });
    const huge = await memory.reserve(1_000);
    expect(memory.held).toBe(1_000);
    huge();
    huge();
    expect(memory.held).toBe(0);
  });

  it('fails a reservation that waited too long with a 503 and lets the next one in', async () => {
    const memory = new PixelMemory({ limitBytes: 100, maxWaitMs: 50 });
    const first = await memory.reserve(100);
    const error = await memory.reserve(50).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).httpStatus).toBe(503);
    expect((error as GatewayError).message).toContain('engine.pixelMemoryBytes');
    expect(memory.waiting).toBe(0);
    first();
    expect(memory.held).toBe(0);
  });

  it('gives up the place of a caller that leaves while waiting', async () => {
    const memory = new PixelMemory({ limitBytes: 100, maxWaitMs: 5_000 });
    const first = await memory.reserve(100);
    const controller = new AbortController();
    const leaving = memory.reserve(100, controller.signal).catch((caught: unknown) => caught);
    const staying = memory.reserve(100);
    controller.abort(new Error('client gone'));
    expect(await leaving).toMatchObject({ message: 'client gone' });
    first();
    (await staying)();
    expect(memory.held).toBe(0);
    expect(memory.waiting).toBe(0);
  });

  it('gives the bytes back when the work fails', async () => {
    const memory = new PixelMemory({ limitBytes: 100, maxWaitMs: 5_000 });
    await expect(
      memory.with(80, undefined, async () => {
        throw new Error('decode failed');
      }),
    ).rejects.toThrow('decode failed');
    expect(memory.held).toBe(0);
  });
});
