// Each request's memory (src/pipeline/memory-accounting.ts): room under the body bound and pooled
// buffers are given back once, when the response is over, on every path: a finished answer, a
// client that leaves (queued, or halfway through its body), an error. A buffer serves one request at
// a time.
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/http/buffer-pool.js';
import { BodyTooLargeError, collectBody } from '../../src/http/collect-body.js';
import { BodyMemory } from '../../src/pipeline/body-memory.js';
import {
  type MemoryAccountingOptions,
  memoryAccountingPlugin,
  RequestMemory,
} from '../../src/pipeline/memory-accounting.js';

const MiB = 1 << 20;
const pool = () => new BufferPool({ minBytes: MiB, maxIdleBytes: 64 * MiB });

describe('RequestMemory with a plain server', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  /** A real server whose handler runs `act` with the request's memory. */
  async function serve(
    act: (memory: RequestMemory, response: ServerResponse) => void,
  ): Promise<{ port: number; buffers: BufferPool; closed: Promise<void> }> {
    const buffers = pool();
    let resolveClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    server = createServer((_request, response) => {
      const memory = new RequestMemory({ pool: buffers, bodyLimitBytes: 64 * MiB }, response);
      response.once('close', () => setImmediate(resolveClosed));
      act(memory, response);
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
    const { port, buffers, closed } = await serve((memory, response) => {
      const body = memory.take(2 * MiB);
      body.fill(0x61);
      response.end(body);
    });
    expect(await get(port)).toBe('a'.repeat(2 * MiB));
    await closed;
    expect(buffers.idleBytes).toBe(2 * MiB);
  });

  it('keeps nothing when the client left before the response was finished', async () => {
    const { port, buffers, closed } = await serve((memory) => {
      memory.take(2 * MiB);
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
    const { port, buffers, closed } = await serve((memory, response) => {
      memory.take(2 * MiB);
      memory.lend()(false);
      response.end('ok');
    });
    expect(await get(port)).toBe('ok');
    await closed;
    expect(buffers.idleBytes).toBe(0);
  });

  it('waits for an attempt still out when the response closes, then gives back', async () => {
    let giveBack: (readInFull: boolean) => void = () => {};
    const { port, buffers, closed } = await serve((memory, response) => {
      memory.take(2 * MiB);
      giveBack = memory.lend();
      response.end('ok');
    });
    expect(await get(port)).toBe('ok');
    await closed;
    expect(buffers.idleBytes).toBe(0);
    giveBack(true);
    expect(buffers.idleBytes).toBe(2 * MiB);
  });

  it('gives back at once what is taken after the response closed', async () => {
    const bound = new BodyMemory({ limitBytes: 8 * MiB, maxWaitMs: 1000 });
    let late: RequestMemory | undefined;
    server = createServer((_request, response) => {
      late = new RequestMemory({ bound, pool: pool(), bodyLimitBytes: 64 * MiB }, response);
      response.end('ok');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    expect(await get((server.address() as AddressInfo).port)).toBe('ok');
    await new Promise((resolve) => setImmediate(resolve));
    late?.countAnswer(3 * MiB);
    expect(bound.held).toBe(0);
    await expect(late?.admitBody(String(2 * MiB))).rejects.toThrow(/closed the connection/);
    expect(bound.held).toBe(0);
  });
});

/**
 * A Fastify app with the plugin, admitting bodies as src/server/app.ts does. POST /check reads the
 * body into the request's buffer, waits for `release` if the test holds it, then says whether every
 * byte is still the first one; POST /fail throws once the body is read.
 */
async function appWith(options: MemoryAccountingOptions) {
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  const holds = new Map<string, Promise<void>>();
  app.register(memoryAccountingPlugin, options);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/octet-stream', (request: FastifyRequest, payload: IncomingMessage) =>
    collectBody(payload, {
      declaredLength: request.headers['content-length'],
      limit: options.bodyLimitBytes,
      allocate: request.memory.take,
      beforeMore: request.memory.arrivalGate,
    }),
  );
  app.addHook('onRequest', (request, _reply, done) => {
    const admitted = request.memory.admitBody(request.headers['content-length']);
    if (admitted) admitted.then(() => done(), done);
    else done();
  });
  // The gateway renders its errors per door; here the status is enough.
  app.setErrorHandler((error: Error & { httpStatus?: number }, _request, reply) => {
    const status = error instanceof BodyTooLargeError ? 413 : (error.httpStatus ?? 500);
    reply.code(status).send(error.message);
  });
  app.post('/check', async (request) => {
    const body = request.body as Buffer;
    await holds.get(String(request.headers['x-hold']));
    const intact = body.length > 0 && body.every((byte) => byte === body[0]);
    return intact ? 'intact' : 'corrupt';
  });
  app.post('/fail', async () => {
    throw new Error('failed after the body was read');
  });
  app.post('/answer', async (_request, reply) => reply.send('x'.repeat(16 * MiB)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  /** Holds the answer of requests sent with `x-hold: name` until the returned function is called. */
  const hold = (name: string) => {
    let release = () => {};
    holds.set(
      name,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return release;
  };
  return { app, port, hold };
}

const post = (port: number, path: string, body: Buffer, hold = '') =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-hold': hold },
    body: new Uint8Array(body),
  });

/** Polls `read` until `done` holds (or 5 s pass), then returns its value. */
async function until<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; tries < 100 && !done(read()); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

/** The bytes `bound` holds once a request has taken room (waits up to 5 s). */
const heldOnceTaken = (bound: BodyMemory) =>
  until(
    () => bound.held,
    (held) => held > 0,
  );
/** The bytes `bound` holds once every request gave its room back (waits up to 5 s). */
const heldOnceFreed = (bound: BodyMemory) =>
  until(
    () => bound.held,
    (held) => held === 0,
  );

describe('the memory-accounting plugin', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('reserves a large body and an answer of its size, and gives both and the buffer back when done', async () => {
    const bound = new BodyMemory({ limitBytes: 64 * MiB, maxWaitMs: 1000 });
    const buffers = pool();
    const started = await appWith({ bound, pool: buffers, bodyLimitBytes: 16 * MiB });
    app = started.app;
    const release = started.hold('first');
    const answer = post(started.port, '/check', Buffer.alloc(2 * MiB, 1), 'first');
    expect(await heldOnceTaken(bound)).toBe(4 * MiB);
    release();
    expect(await (await answer).text()).toBe('intact');
    expect(await heldOnceFreed(bound)).toBe(0);
    expect(
      await until(
        () => buffers.idleBytes,
        (idle) => idle > 0,
      ),
    ).toBe(2 * MiB);
  });

  it('gives the room back, and keeps no buffer, when the client leaves halfway through its body', async () => {
    const bound = new BodyMemory({ limitBytes: 64 * MiB, maxWaitMs: 1000 });
    const buffers = pool();
    const started = await appWith({ bound, pool: buffers, bodyLimitBytes: 16 * MiB });
    app = started.app;
    const socket = connect(started.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `POST /check HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\ncontent-length: ${2 * MiB}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(MiB, 1));
    expect(await heldOnceTaken(bound)).toBe(4 * MiB);
    socket.destroy();
    expect(await heldOnceFreed(bound)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(buffers.idleBytes).toBe(0);
    expect(buffers.counts.taken).toBe(1);
    // The next body gets new memory, not the buffer the leaver's body was half read into.
    expect(await (await post(started.port, '/check', Buffer.alloc(2 * MiB, 2))).text()).toBe('intact');
    expect(buffers.counts).toEqual({ taken: 2, reused: 0 });
  });

  it('gives the place of a client that leaves while queued to the next, and holds nothing for it', async () => {
    const bound = new BodyMemory({ limitBytes: 5 * MiB, maxWaitMs: 5000 });
    const started = await appWith({ bound, pool: pool(), bodyLimitBytes: 16 * MiB });
    app = started.app;
    const release = started.hold('first');
    const first = post(started.port, '/check', Buffer.alloc(2 * MiB, 1), 'first');
    await heldOnceTaken(bound);
    const socket = connect(started.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `POST /check HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\ncontent-length: ${2 * MiB}\r\n\r\n`,
    );
    expect(
      await until(
        () => bound.waiting,
        (waiting) => waiting === 1,
      ),
    ).toBe(1);
    socket.destroy();
    expect(
      await until(
        () => bound.waiting,
        (waiting) => waiting === 0,
      ),
    ).toBe(0);
    expect(bound.held).toBe(4 * MiB);
    release();
    expect(await (await first).text()).toBe('intact');
    expect(await heldOnceFreed(bound)).toBe(0);
  });

  it('never hands a buffer in use to another request, and reuses it once its response is over', async () => {
    const buffers = pool();
    const started = await appWith({ pool: buffers, bodyLimitBytes: 16 * MiB });
    app = started.app;
    const releaseA = started.hold('a');
    const releaseB = started.hold('b');
    const a = post(started.port, '/check', Buffer.alloc(2 * MiB, 0x61), 'a');
    const b = post(started.port, '/check', Buffer.alloc(2 * MiB, 0x62), 'b');
    await until(
      () => buffers.counts.taken,
      (taken) => taken === 2,
    );
    expect(buffers.counts.reused).toBe(0);
    releaseA();
    expect(await (await a).text()).toBe('intact');
    await until(
      () => buffers.idleBytes,
      (idle) => idle > 0,
    );
    // C gets A's memory while B still holds its own: B's bytes stay B's.
    const c = await post(started.port, '/check', Buffer.alloc(2 * MiB, 0x63));
    expect(await c.text()).toBe('intact');
    expect(buffers.counts).toEqual({ taken: 3, reused: 1 });
    releaseB();
    expect(await (await b).text()).toBe('intact');
  });

  it('gives room and buffers back when the handler fails, and holds nothing for a body over the limit', async () => {
    const bound = new BodyMemory({ limitBytes: 64 * MiB, maxWaitMs: 1000 });
    const buffers = pool();
    const started = await appWith({ bound, pool: buffers, bodyLimitBytes: 4 * MiB });
    app = started.app;
    expect((await post(started.port, '/fail', Buffer.alloc(2 * MiB, 1))).status).toBe(500);
    expect(await heldOnceFreed(bound)).toBe(0);
    // The error answer was finished: the buffer is whole and goes back for the next request.
    expect(
      await until(
        () => buffers.idleBytes,
        (idle) => idle > 0,
      ),
    ).toBe(2 * MiB);
    expect((await post(started.port, '/check', Buffer.alloc(5 * MiB, 1))).status).toBe(413);
    expect(bound.held).toBe(0);
    expect(buffers.counts.taken).toBe(1);
  });

  it('answers 503 to a body that waited too long, holding nothing for it', async () => {
    const bound = new BodyMemory({ limitBytes: 5 * MiB, maxWaitMs: 200 });
    const started = await appWith({ bound, pool: pool(), bodyLimitBytes: 16 * MiB });
    app = started.app;
    const release = started.hold('first');
    const first = post(started.port, '/check', Buffer.alloc(2 * MiB, 1), 'first');
    await heldOnceTaken(bound);
    expect((await post(started.port, '/check', Buffer.alloc(2 * MiB, 1))).status).toBe(503);
    expect(bound.held).toBe(4 * MiB);
    expect(bound.waiting).toBe(0);
    release();
    await first;
    expect(await heldOnceFreed(bound)).toBe(0);
  });

  it('counts a body of unknown length in steps as it arrives, and gives it back when its client leaves', async () => {
    const bound = new BodyMemory({ limitBytes: 64 * MiB, maxWaitMs: 1000 });
    const started = await appWith({ bound, pool: pool(), bodyLimitBytes: 16 * MiB });
    app = started.app;
    const socket = connect(started.port, '127.0.0.1');
    socket.on('error', () => {});
    const part = Buffer.alloc(2.5 * MiB, 1);
    socket.write(
      `POST /check HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n${part.length.toString(16)}\r\n`,
    );
    socket.write(part);
    socket.write('\r\n');
    expect(
      await until(
        () => bound.held,
        (held) => held >= 6 * MiB,
      ),
    ).toBe(6 * MiB);
    socket.destroy();
    expect(await heldOnceFreed(bound)).toBe(0);
  });

  it('counts a large answer on its way out until the response is over', async () => {
    const bound = new BodyMemory({ limitBytes: 64 * MiB, maxWaitMs: 1000 });
    const started = await appWith({ bound, bodyLimitBytes: 16 * MiB });
    app = started.app;
    const socket = connect(started.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      'POST /answer HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\ncontent-length: 1\r\n\r\nx',
    );
    socket.pause();
    expect(await heldOnceTaken(bound)).toBe(16 * MiB);
    socket.destroy();
    expect(await heldOnceFreed(bound)).toBe(0);
  });
});
