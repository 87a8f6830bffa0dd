import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  /** A real server whose handler takes a 2 MiB buffer and runs `act` with it. */
  async function serve(
    act: (buffers: RequestBuffers, response: ServerResponse) => void,
  ): Promise<{ port: number; buffers: BufferPool; closed: Promise<void> }> {
    const buffers = pool();
    let resolveClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    server = createServer((_request, response) => {
      const lease = new RequestBuffers(buffers, response);
      response.once('close', () => setImmediate(resolveClosed));
      act(lease, response);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, buffers, closed };
  }

  function get(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      httpRequest({ port, host: '127.0.0.1', path: '/' }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      })
        .on('error', reject)
        .end();
    });
  }

  it('gives its buffers back once the response was handed whole to the operating system', async () => {
    const { port, buffers, closed } = await serve((lease, response) => {
      const body = lease.take(2 * MiB);
      body.fill(0x61);
      response.end(body);
    });
    expect(await get(port)).toBe('a'.repeat(2 * MiB));
    await closed;
    expect(buffers.idleBytes).toBe(2 * MiB);
  });

  it('keeps nothing when the client left before the response was finished', async () => {
    const { port, buffers, closed } = await serve((lease) => {
      lease.take(2 * MiB);
      // never answers; the client goes away
    });
    const request = httpRequest({ port, host: '127.0.0.1', path: '/' });
    request.on('error', () => {});
    request.end();
    setTimeout(() => request.destroy(), 50);
    await closed;
    expect(buffers.idleBytes).toBe(0);
  });

  it('keeps nothing after an upstream attempt that did not read its answer in full', async () => {
    const { port, buffers, closed } = await serve((lease, response) => {
      lease.take(2 * MiB);
      lease.lend()(false);
      response.end('ok');
    });
    expect(await get(port)).toBe('ok');
    await closed;
    expect(buffers.idleBytes).toBe(0);
  });

  it('waits for an attempt still out when the response closes, then gives back', async () => {
    let giveBack: (readInFull: boolean) => void = () => {};
    const { port, buffers, closed } = await serve((lease, response) => {
      lease.take(2 * MiB);
      giveBack = lease.lend();
      response.end('ok');
    });
    expect(await get(port)).toBe('ok');
    await closed;
    expect(buffers.idleBytes).toBe(0);
    giveBack(true);
    expect(buffers.idleBytes).toBe(2 * MiB);
  });
});
