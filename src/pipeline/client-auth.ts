// Finds and checks the client key a request presents (?key=, x-goog-api-key or Bearer), with a
// short cache so the hot path does not hit the database on every call.
import type { Kysely } from 'kysely';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { type ClientKeyRecord, type DatabaseSchema, findClientKeyByValue } from '../store/index.js';

export interface PresentedKey {
  value: string;
  via: 'query' | 'header' | 'bearer';
}

export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
  query: Record<string, unknown>,
): PresentedKey | undefined {
  const header = headers['x-goog-api-key'];
  if (typeof header === 'string' && header.trim()) return { value: header.trim(), via: 'header' };
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return { value: match[1].trim(), via: 'bearer' };
  }
  if (typeof query.key === 'string' && query.key.trim()) return { value: query.key.trim(), via: 'query' };
  return undefined;
}

interface CacheEntry {
  record: ClientKeyRecord | undefined;
  problem?: 'revoked' | 'expired';
  until: number;
}

export class ClientAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly cacheMs = 2000,
  ) {}

  /** Drops cached lookups (after a revoke or update through this process). */
  invalidate(): void {
    this.cache.clear();
  }

  async authenticate(key: PresentedKey | undefined): Promise<ClientKeyRecord> {
    if (!key) {
      throw errorCatalogue.NO_API_KEY();
    }
    // Cached by the presented value (it is in this process's memory for the request anyway), so a
    // cached key costs a map lookup, not a SHA-256 per request.
    const now = Date.now();
    let entry = this.cache.get(key.value);
    if (!entry || entry.until <= now) {
      const lookup = await findClientKeyByValue(this.db, key.value, now);
      entry = {
        record: lookup?.record,
        problem: lookup && !lookup.usable ? lookup.reason : undefined,
        until: now + this.cacheMs,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key.value, entry);
    }
    if (!entry.record)
      throw errorCatalogue.INVALID_API_KEY('API key not valid. Please pass a valid API key.');
    if (entry.problem === 'expired')
      throw errorCatalogue.INVALID_API_KEY('API key expired. Please renew the API key.');
    if (entry.problem === 'revoked' || entry.record.revokedAt !== null) {
      throw errorCatalogue.API_KEY_REVOKED();
    }
    return entry.record;
  }
}
