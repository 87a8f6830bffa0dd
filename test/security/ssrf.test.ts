import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/canonical/errors.js';
import { fetchImage, isPrivateAddress } from '../../src/http/fetch-image.js';
import { refusingLookup } from '../../src/http/upstream-agent.js';
import { rejection } from '../helpers/errors.js';
import { smallPng } from './images.js';

let server: Server;
let base: string;
let png: Buffer;
let slowBodyClosed = false;

beforeAll(async () => {
  png = await smallPng();
  server = createServer((request, response) => {
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    } else if (request.url === '/huge') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.concat([png, Buffer.alloc(2_000_000)]));
    } else if (request.url === '/slow') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(png.subarray(0, 10));
      response.on('close', () => {
        slowBodyClosed = true;
      });
    } else response.writeHead(200, { 'content-type': 'image/png' }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function refusal(url: string, options: Parameters<typeof fetchImage>[1] = {}): Promise<GatewayError> {
  return rejection(fetchImage(url, options));
}

describe('image fetching (SSRF guard)', () => {
  it('refuses loopback, link-local metadata and IPv6 loopback addresses', async () => {
    for (const url of [
      `${base}/a.png`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/a.png',
      'http://10.0.0.8/a.png',
      'http://[::ffff:127.0.0.1]/a.png',
    ]) {
      const error = await refusal(url);
      expect(error.httpStatus).toBe(400);
      expect(error.message).toMatch(/private or loopback/);
    }
  });

  it('refuses other schemes', async () => {
    expect((await refusal('file:///etc/passwd')).message).toMatch(/Only http\(s\)/);
    expect((await refusal('gopher://example.com/')).message).toMatch(/Only http\(s\)/);
  });

  it('fetches from a trusted host and sniffs the image type', async () => {
    const image = await fetchImage(`${base}/a.png`, { trustedHosts: ['127.0.0.1'] });
    expect(image.mimeType).toBe('image/png');
    expect(image.data.equals(png)).toBe(true);
  });

  it('does not follow a redirect to a private address', async () => {
    const error = await refusal(`${base}/redirect`, { trustedHosts: ['127.0.0.1'] });
    expect(error.message).toMatch(/HTTP 302/);
  });

  it('stops reading an oversize body at the byte limit', async () => {
    const error = await refusal(`${base}/huge`, { trustedHosts: ['127.0.0.1'], maxBytes: 1_000_000 });
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(/larger than 1000000 bytes/);
  });

  it('gives up on a body that never finishes and closes the connection', async () => {
    const error = await refusal(`${base}/slow`, { trustedHosts: ['127.0.0.1'], timeoutMs: 300 });
    expect(error.errorClass).toMatch(/connection|timeout/);
    await expect.poll(() => slowBodyClosed).toBe(true);
  });
});

describe('addresses refused for client-given URLs', () => {
  it('refuses IPv4 hidden in IPv6 forms and IPv6 multicast and site-local ranges', () => {
    for (const address of [
      '::ffff:7f00:1',
      '::ffff:127.0.0.1',
      '::7f00:1',
      '::127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'fec0::1',
      'febf::1',
      'ff02::1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '2001:4860:4860::8888', '::ffff:808:808']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('fails the connection-time lookup of a name that resolves to a refused address', async () => {
    const lookup = refusingLookup(isPrivateAddress);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', {}, (failure) => resolve(failure)),
    );
    expect(error?.code).toBe('EREFUSEDADDRESS');
    const allowed = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      refusingLookup(() => false)('localhost', {}, (failure) => resolve(failure)),
    );
    expect(allowed).toBeNull();
  });
});
