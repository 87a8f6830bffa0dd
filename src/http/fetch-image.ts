// Fetches an image by URL with limits: http(s) only, a byte cap, a time cap, and no private,
// loopback or link-local addresses unless the caller trusts the host (SSRF protection).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request as undiciRequest } from 'undici';
import { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { imageMimeFromBytes } from '../canonical/sniff-mime.js';
import { refusingLookup, upstreamAgent } from './upstream-agent.js';

export interface FetchImageOptions {
  /** Hosts that may resolve to private addresses (e.g. the channel's own upstream). */
  trustedHosts?: readonly string[];
  maxBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** True for addresses a gateway must never be tricked into calling on a client's behalf. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const lower = address.toLowerCase();
  // IPv4 inside IPv6: mapped (::ffff:), compatible (::) and NAT64 (64:ff9b::), dotted or as two hex
  // groups (WHATWG URLs write ::ffff:127.0.0.1 as ::ffff:7f00:1).
  const embedded =
    /^(?:::ffff:|::|64:ff9b::)(?:(\d{1,3}(?:\.\d{1,3}){3})|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (embedded) {
    if (embedded[1]) return isPrivateAddress(embedded[1]);
    const high = Number.parseInt(embedded[2], 16);
    const low = Number.parseInt(embedded[3], 16);
    return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return (
    lower === '::' ||
    lower === '::1' ||
    lower.startsWith('fc') ||
    lower.startsWith('fd') ||
    /^fe[89ab]/.test(lower) || // link-local fe80::/10
    /^fe[c-f]/.test(lower) || // site-local fec0::/10
    lower.startsWith('ff') || // multicast
    lower.startsWith('64:ff9b:')
  );
}

/** Fetches of untrusted URLs: the connection re-checks every address the name resolves to. */
const publicOnlyAgent = new Agent({ connect: { lookup: refusingLookup(isPrivateAddress) } });

function refuse(message: string, param?: string): GatewayError {
  return errorCatalogue.INVALID_IMAGE_URL(message, param);
}

export async function fetchImage(
  rawUrl: string,
  options: FetchImageOptions = {},
): Promise<{ data: Buffer; mimeType: string }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refuse(`"${rawUrl.slice(0, 100)}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refuse(`Only http(s) image URLs are fetched, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const trusted = options.trustedHosts?.includes(host) ?? false;
  if (!trusted) {
    const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0) throw refuse(`The image host ${host} does not resolve.`);
    if (addresses.some((entry) => isPrivateAddress(entry.address))) {
      throw refuse(`The image URL points to a private or loopback address (${host}); it is not fetched.`);
    }
  }
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000)];
  if (options.signal) signals.push(options.signal);
  let answer: Awaited<ReturnType<typeof undiciRequest>>;
  try {
    answer = await undiciRequest(url, {
      method: 'GET',
      signal: AbortSignal.any(signals),
      dispatcher: trusted ? upstreamAgent : publicOnlyAgent,
    });
  } catch (error) {
    throw errorCatalogue.UPSTREAM_UNREACHABLE(`Could not fetch image ${url.origin}${url.pathname}.`, error);
  }
  if (answer.statusCode !== 200) {
    await answer.body.dump();
    throw errorCatalogue.UPSTREAM_BAD_ANSWER(
      `Fetching image ${url.origin}${url.pathname} answered HTTP ${answer.statusCode}.`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of answer.body) {
      size += chunk.length;
      if (size > maxBytes) {
        answer.body.destroy();
        throw refuse(`The image at ${url.origin}${url.pathname} is larger than ${maxBytes} bytes.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    // A body that stalls past the time cap, or a connection cut mid-body.
    const incomplete =
      (error as Error).name === 'TimeoutError'
        ? errorCatalogue.IMAGE_FETCH_TIMEOUT
        : errorCatalogue.UPSTREAM_UNREACHABLE;
    throw incomplete(`Fetching image ${url.origin}${url.pathname} did not complete.`, error);
  }
  const data = Buffer.concat(chunks);
  const mimeType = imageMimeFromBytes(data);
  if (!mimeType) throw errorCatalogue.UPSTREAM_BAD_ANSWER(`${url.origin}${url.pathname} is not an image.`);
  return { data, mimeType };
}
