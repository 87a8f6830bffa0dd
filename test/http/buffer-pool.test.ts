import { describe, expect, it } from 'vitest';
import { BufferPool, RequestBuffers } from '../../src/http/buffer-pool.js';

const MiB = 1 << 20;
const pool = (maxIdleBytes = 64 * MiB) => new BufferPool({ minBytes: MiB, maxIdleBytes });

describe('BufferPool', () => {
  it('hands the memory of a returned buffer to the next one, and empties every view of the old', () => {
    const buffers = pool();
    const first = buffers.take(3 * MiB);
    first.fill(0x5a);
    const slice = first.subarray(10, 20);
    buffers.giveBack(first);
    // Every view of the returned memory reads as empty: a late reader gets nothing, not new bytes.
    expect(first.length).toBe(0);
    expect(slice.length).toBe(0);
    expect(first.toString('latin1')).toBe('');
    expect(buffers.idleBytes).toBe(3 * MiB);

    const second = buffers.take(3 * MiB - 100);
    expect(second.length).toBe(3 * MiB - 100);
    expect(second[5]).toBe(0x5a); // the same memory, not a new (zeroed) allocation
    expect(buffers.counts).toEqual({ taken: 2, reused: 1 });
    expect(buffers.idleBytes).toBe(0);
  });

  it('leaves small bodies to the allocator', () => {
    const buffers = pool();
    const small = buffers.take(1000);
    buffers.giveBack(small);
    expect(small.length).toBe(1000);
    expect(buffers.idleBytes).toBe(0);
    expect(buffers.counts.taken).toBe(0);
  });

  it('reuses only a buffer that fits without wasting much, and keeps no more idle than its bound', () => {
    const buffers = pool(10 * MiB);
    const big = buffers.take(8 * MiB);
    buffers.giveBack(big);
    const small = buffers.take(2 * MiB);
    expect(buffers.counts.reused).toBe(0); // 8 MiB for a 2 MiB body wastes too much
    buffers.giveBack(small);
    expect(buffers.idleBytes).toBe(10 * MiB);
    const third = buffers.take(5 * MiB);
    buffers.giveBack(third); // 15 MiB would pass the bound: left to the collector
    expect(buffers.idleBytes).toBe(10 * MiB);
    expect(third.length).toBe(0);
  });

  it('rounds new buffers up to whole MiB so a slightly larger body reuses them', () => {
    const buffers = pool();
    buffers.giveBack(buffers.take(MiB + 10));
    const next = buffers.take(MiB + 5000);
    expect(next.length).toBe(MiB + 5000);
    expect(buffers.counts.reused).toBe(1);
  });
});

describe('RequestBuffers', () => {
  it('gives its buffers back once, however often the end of the response is reported', () => {
    const buffers = pool();
    const lease = new RequestBuffers(buffers);
    lease.take(2 * MiB);
    const giveBack = lease.lend();
    lease.responseClosed(true);
    lease.responseClosed(true);
    expect(buffers.idleBytes).toBe(0); // the attempt is still out
    giveBack(true);
    giveBack(true);
    expect(buffers.idleBytes).toBe(2 * MiB);
    lease.responseClosed(true);
    expect(buffers.idleBytes).toBe(2 * MiB);
    // The pool hands that memory to one request only, and a buffer given back twice counts once.
    const next = buffers.take(2 * MiB);
    expect(buffers.take(2 * MiB).buffer).not.toBe(next.buffer);
    buffers.giveBack(next);
    buffers.giveBack(next);
    expect(buffers.idleBytes).toBe(2 * MiB);
  });

  it('keeps nothing when the response was not finished, and nothing taken after it closed', () => {
    const buffers = pool();
    const lease = new RequestBuffers(buffers);
    lease.take(2 * MiB);
    lease.responseClosed(false);
    lease.take(3 * MiB);
    lease.responseClosed(true);
    expect(buffers.idleBytes).toBe(0);
  });
});
