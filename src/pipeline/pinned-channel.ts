// Internal callers (retests) may pin a request to one channel; everyone else gets normal routing.
import { timingSafeEqual } from 'node:crypto';

/** The per-process secret a pinning caller presents (`x-imagegate-internal-token`). */
export interface PinnedChannelDeps {
  internalToken: string;
}

export function pinnedChannelOf(
  gateway: PinnedChannelDeps,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const pin = headers['x-imagegate-pin-channel'];
  const token = headers['x-imagegate-internal-token'];
  if (typeof pin !== 'string' || typeof token !== 'string') return undefined;
  const expected = Buffer.from(gateway.internalToken);
  const presented = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? pin : undefined;
}
