import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { smallPng } from './images.js';

const model = 'gemini-3.1-flash-image';
let sim: UpstreamSim;
/** A TCP relay in front of the sim, so the test sees when the gateway drops its upstream socket. */
let relay: Server;
let upstreamClosedSockets = 0;
let gateway: TestGateway;
let port: number;
let image: string;

beforeAll(async () => {
  sim = await startUpstreamSim();
  relay = createServer((incoming) => {
    const outgoing = connect(sim.port, '127.0.0.1');
    incoming.pipe(outgoing).pipe(incoming);
    incoming.on('close', () => {
      upstreamClosedSockets += 1;
      outgoing.destroy();
    });
    outgoing.on('error', () => incoming.destroy());
    incoming.on('error', () => outgoing.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    configYaml: `server: { requestTimeoutMs: 1000, headersTimeoutMs: 600 }
channels:
${simChannelYaml('sim', relayUrl, [model])}`,
  });
  port = Number(new URL(gateway.url).port);
  image = (await smallPng()).toString('base64');
});
afterAll(async () => {
  await gateway.close();
  relay.close();
  await sim.close();
});

/** Opens a raw socket and collects what the server sends until it closes the connection. */
function rawClient(): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1'))),
  );
  return { socket, closed };
}

function dribble(socket: Socket, byte: string): NodeJS.Timeout {
  return setInterval(() => {
    if (!socket.destroyed) socket.write(byte);
  }, 100);
}

function generateBody(): string {
  return JSON.stringify({
    contents: [
      {
        role: 'user',
        parts: [{ text: 'grayscale' }, { inlineData: { mimeType: 'image/png', data: image } }],
      },
    ],
  });
}

describe('slow and vanishing clients', () => {
  it('answers 408 and closes a client that dribbles its body, while serving others', async () => {
    const { socket, closed } = rawClient();
    socket.write(
      `POST /v1beta/models/${model}:generateContent HTTP/1.1\r\nHost: x\r\nx-goog-api-key: ${gateway.key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"contents":`,
    );
    const timer = dribble(socket, ' ');
    const meanwhile = await fetch(`${gateway.url}/healthz`);
    expect(meanwhile.status).toBe(200);
    const received = await closed;
    clearInterval(timer);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a client that dribbles its headers', async () => {
    const { socket, closed } = rawClient();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const timer = dribble(socket, 'x');
    const received = await closed;
    clearInterval(timer);
    expect(received).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  /** Starts a call, leaves once the upstream has it, and returns the gateway's log row for it. */
  async function leaveDuringCall(path: string, requestId: string) {
    sim.reset();
    sim.setFaults(['latency:3000ms']);
    const closedBefore = upstreamClosedSockets;
    const client = new AbortController();
    const pending = fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-goog-api-key': gateway.key,
        'x-request-id': requestId,
      },
      body: generateBody(),
      signal: client.signal,
    }).catch(() => undefined);
    await expect.poll(() => sim.received.length, { timeout: 5000 }).toBeGreaterThan(0);
    client.abort();
    await pending;
    await expect.poll(() => upstreamClosedSockets, { timeout: 5000 }).toBeGreaterThan(closedBefore);
    const db = gateway.running.gateway.database.db;
    const row = async () => {
      await gateway.settled();
      return db
        .selectFrom('request_log')
        .select(['status', 'error_class'])
        .where('client_request_id', '=', requestId)
        .executeTakeFirst();
    };
    await expect.poll(row, { timeout: 5000 }).toBeDefined();
    sim.setFaults([]);
    const openHolds = await db.selectFrom('holds').select('request_id').where('state', '=', 'open').execute();
    return { row: await row(), openHolds };
  }

  it('cancels the upstream call, logs it and leaves no open hold when a unary client leaves', async () => {
    const { row, openHolds } = await leaveDuringCall(
      `/v1beta/models/${model}:generateContent`,
      'client-left-unary',
    );
    expect(row).toEqual({ status: 499, error_class: 'bad_request' });
    expect(openHolds).toEqual([]);
  });

  it('cancels the upstream call and logs the request when the client leaves mid-stream', async () => {
    const { row, openHolds } = await leaveDuringCall(
      `/v1beta/models/${model}:streamGenerateContent?alt=sse`,
      'client-left-mid-stream',
    );
    expect(row).toEqual({ status: 499, error_class: 'bad_request' });
    expect(openHolds).toEqual([]);
  });
});
