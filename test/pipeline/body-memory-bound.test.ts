// The body bound on its own: first come, first served, one oversized body alone, answers counted
// without waiting, 503 after the wait, and a client that leaves taking nothing with it.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/canonical/errors.js';
import { BodyMemory, ClientLeftError } from '../../src/pipeline/body-memory.js';

describe('BodyMemory', () => {
  it('lets bodies in while they fit and queues the rest first come, first served', async () => {
    const memory = new BodyMemory({ limitBytes: 10, maxWaitMs: 5_000 });
    const first = await memory.acquire(6);
    const order: string[] = [];
    const second = memory.acquire(6).then((release) => {
      order.push('second');
      return release;
    });
    // Would fit beside the first, but must not overtake the body queued before it.
    const third = memory.acquire(1).then((release) => {
      order.push('third');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    expect(memory.waiting).toBe(2);
    first();
    first(); // a second release of the same body gives nothing back twice
    const releases = await Promise.all([second, third]);
    expect(order).toEqual(['second', 'third']);
    expect(memory.held).toBe(7);
    for (const release of releases) release();
    expect(memory.held).toBe(0);
  });

  it('lets one body larger than the whole bound in, alone', async () => {
    const memory = new BodyMemory({ limitBytes: 10, maxWaitMs: 5_000 });
    const big = await memory.acquire(25);
    expect(memory.held).toBe(25);
    let smallIn = false;
    const small = memory.acquire(1).then((release) => {
      smallIn = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(smallIn).toBe(false);
    big();
    (await small)();
    expect(memory.held).toBe(0);
  });

  it('counts answers on their way out without waiting, and new bodies wait for them', async () => {
    const memory = new BodyMemory({ limitBytes: 10, maxWaitMs: 5_000 });
    const request = await memory.acquire(6);
    const answer = memory.count(6); // over the bound: counted at once, never waits
    expect(memory.held).toBe(12);
    request();
    let admitted = false;
    const next = memory.acquire(5).then((release) => {
      admitted = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(admitted).toBe(false);
    answer();
    (await next)();
    expect(memory.held).toBe(0);
  });

  it('answers 503 with Retry-After when no room is made in time, and the queue moves on', async () => {
    const memory = new BodyMemory({ limitBytes: 10, maxWaitMs: 50 });
    const held = await memory.acquire(8);
    const failure = await memory.acquire(5).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).httpStatus).toBe(503);
    expect((failure as GatewayError).retryAfterSeconds).toBe(1);
    expect(memory.waiting).toBe(0);
    expect(memory.held).toBe(8);
    held();
    (await memory.acquire(10))();
    expect(memory.held).toBe(0);
  });

  it('takes a request whose client left out of the queue, holding nothing for it', async () => {
    const memory = new BodyMemory({ limitBytes: 10, maxWaitMs: 5_000 });
    const held = await memory.acquire(8);
    let leave = () => {};
    const cancel = {
      aborted: false,
      onAbort(listener: () => void) {
        leave = listener;
        return () => {};
      },
    };
    const gone = memory.acquire(5, cancel).catch((error: unknown) => error);
    const next = memory.acquire(5);
    expect(memory.waiting).toBe(2);
    leave();
    expect(await gone).toBeInstanceOf(ClientLeftError);
    expect(memory.waiting).toBe(1);
    held();
    (await next)();
    expect(memory.held).toBe(0);
    expect(memory.waiting).toBe(0);
  });
});
