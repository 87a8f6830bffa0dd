// Finds and checks the client key a request presents (?key=, x-goog-api-key or Bearer), with a
// short cache so the hot path does not hit the database on every call.
import type { Kysely } from 'kysely';
import { GatewayError } from '../canonical/errors.js';
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
      throw new GatewayError({
        errorClass: 'auth',
        httpStatus: 403,
        status: 'PERMISSION_DENIED',
        code: 'missing_api_key',
        message:
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      });
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
    if (!entry.record) throw invalidKeyError('API key not valid. Please pass a valid API key.');
    if (entry.problem === 'expired') throw invalidKeyError('API key expired. Please renew the API key.');
    if (entry.problem === 'revoked' || entry.record.revokedAt !== null) {
      throw new GatewayError({
        errorClass: 'auth',
        httpStatus: 403,
        status: 'PERMISSION_DENIED',
        code: 'api_key_revoked',
        message:
          'This API key has been revoked. Ask the gateway admin for a new key (imagegate keys create).',
      });
    }
    return entry.record;
  }
}

function invalidKeyError(message: string): GatewayError {
  return new GatewayError({
    errorClass: 'auth',
    httpStatus: 401,
    status: 'UNAUTHENTICATED',
    code: 'invalid_api_key',
    message,
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
    ],
  });
}
