// Rotates a channel's API keys and benches one that failed: an auth failure retires a key until
// restart, a quota/rate failure rests it for the upstream's Retry-After (or a minute).
import { createHash } from 'node:crypto';

export interface KeyState {
  channel: string;
  fingerprint: string;
  retiredUntil?: number;
  reason?: string;
}

const fingerprints = new Map<string, string>();

/** A short, non-reversible label for logs and the admin API; never the key itself. */
export function keyFingerprint(apiKey: string | undefined): string {
  if (!apiKey) return 'none';
  // Every attempt is labelled, and channels have a handful of keys: hash each once.
  let fingerprint = fingerprints.get(apiKey);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(apiKey).digest('hex').slice(0, 12);
    if (fingerprints.size >= 1024) fingerprints.clear();
    fingerprints.set(apiKey, fingerprint);
  }
  return fingerprint;
}

export class KeyPool {
  private readonly cursors = new Map<string, number>();
  private readonly benched = new Map<string, { until: number; reason: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The next usable key of a channel, round-robin; undefined when the channel has none usable. */
  pick(channel: string, apiKeys: readonly string[]): string | undefined {
    if (apiKeys.length === 0) return undefined;
    const start = this.cursors.get(channel) ?? 0;
    for (let offset = 0; offset < apiKeys.length; offset += 1) {
      const index = (start + offset) % apiKeys.length;
      const key = apiKeys[index];
      if (!this.isBenched(channel, key)) {
        this.cursors.set(channel, index + 1);
        return key;
      }
    }
    return undefined;
  }

  usableCount(channel: string, apiKeys: readonly string[]): number {
    return apiKeys.filter((key) => !this.isBenched(channel, key)).length;
  }

  bench(channel: string, apiKey: string, reason: string, seconds: number): void {
    this.benched.set(`${channel}\u0000${apiKey}`, { until: this.now() + seconds * 1000, reason });
  }

  private isBenched(channel: string, apiKey: string): boolean {
    const entry = this.benched.get(`${channel}\u0000${apiKey}`);
    return entry !== undefined && entry.until > this.now();
  }

  snapshot(channel: string, apiKeys: readonly string[]): KeyState[] {
    return apiKeys.map((key) => {
      const entry = this.benched.get(`${channel}\u0000${key}`);
      const active = entry && entry.until > this.now();
      return {
        channel,
        fingerprint: keyFingerprint(key),
        retiredUntil: active ? entry.until : undefined,
        reason: active ? entry.reason : undefined,
      };
    });
  }
}
