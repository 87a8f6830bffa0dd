// AdmissionControl shared by every replica: one Lua script checks requests/min, images/min and
// concurrency for a key and records the request only when all three pass, atomically in Redis.
// While Redis is unreachable it fails open: requests are counted in process and served.
import { randomUUID } from 'node:crypto';
import {
  type AdmissionControl,
  type AdmissionPass,
  type AdmissionRequest,
  isUnlimited,
  rateLimited,
  windowMs,
} from '../admission.js';
import { InProcessAdmission } from '../in-process/admission.js';
import type { RedisConnection } from './connection.js';
import { LuaScript, luaNowMs } from './lua-script.js';

// KEYS: requests (zset time→token), images (zset time→"token:n"), in flight (zset lease end→token).
// ARGV: token, images, requests/min, images/min, concurrency (0 = unlimited), window ms, lease ms.
const admitScript = new LuaScript(`${luaNowMs}
local token, images = ARGV[1], tonumber(ARGV[2])
local requestLimit, imageLimit, concurrency = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local window, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if requestLimit > 0 and redis.call('ZCARD', KEYS[1]) >= requestLimit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, 'requests_per_minute', tonumber(oldest[2]) + window - now}
end
if imageLimit > 0 and images > 0 then
  local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  local used = 0
  for index = 1, #entries, 2 do used = used + tonumber(string.match(entries[index], ':(%d+)$')) end
  if used + images > imageLimit then
    if images > imageLimit then return {0, 'images_per_minute', window} end
    local freed = 0
    for index = 1, #entries, 2 do
      freed = freed + tonumber(string.match(entries[index], ':(%d+)$'))
      if used - freed + images <= imageLimit then
        return {0, 'images_per_minute', tonumber(entries[index + 1]) + window - now}
      end
    end
    return {0, 'images_per_minute', window}
  end
end
if concurrency > 0 and redis.call('ZCARD', KEYS[3]) >= concurrency then
  return {0, 'concurrency', 1000}
end
redis.call('ZADD', KEYS[1], now, token)
redis.call('PEXPIRE', KEYS[1], window)
if images > 0 then
  redis.call('ZADD', KEYS[2], now, token .. ':' .. images)
  redis.call('PEXPIRE', KEYS[2], window)
end
redis.call('ZADD', KEYS[3], now + lease, token)
redis.call('PEXPIRE', KEYS[3], lease)
return {1, '', 0}`);

type AdmitResult = [0 | 1, 'requests_per_minute' | 'images_per_minute' | 'concurrency' | '', number];

export interface RedisAdmissionOptions {
  /**
   * How long a concurrency slot survives a replica that dies without releasing it; longer than the
   * longest request (the dispatch deadline).
   */
  leaseMs: number;
}

export class RedisAdmission implements AdmissionControl {
  private readonly fallback = new InProcessAdmission();

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisAdmissionOptions,
  ) {}

  async admit(request: AdmissionRequest): Promise<AdmissionPass> {
    const { keyId, limits } = request;
    if (isUnlimited(limits)) return { release: () => {} };
    const token = randomUUID();
    let result: AdmitResult;
    try {
      result = (await admitScript.run(this.connection.client, keysOf(keyId), [
        token,
        request.images,
        limits.requestsPerMinute ?? 0,
        limits.imagesPerMinute ?? 0,
        limits.concurrencyLimit ?? 0,
        windowMs,
        this.options.leaseMs,
      ])) as AdmitResult;
    } catch (error) {
      // Fail open: serve, warn once per outage, and still hold this replica to the limits on its own.
      this.connection.reportFailure('admission', error);
      return this.fallback.admit(request);
    }
    const [admitted, limit, retryAfterMs] = result;
    if (admitted === 1) return { release: () => this.release(keyId, token) };
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    if (limit === 'images_per_minute') {
      throw rateLimited(
        `This API key is limited to ${limits.imagesPerMinute} images per minute.`,
        retryAfterSeconds,
      );
    }
    if (limit === 'concurrency') {
      throw rateLimited(
        `This API key may have ${limits.concurrencyLimit} request(s) in flight at once; wait for one to finish.`,
        retryAfterSeconds,
      );
    }
    throw rateLimited(
      `This API key is limited to ${limits.requestsPerMinute} requests per minute.`,
      retryAfterSeconds,
    );
  }

  private release(keyId: string, token: string): void {
    // ZREM is idempotent, so a second release is harmless; a failed one ends with the slot's lease.
    this.connection.client
      .zrem(keysOf(keyId)[2], token)
      .catch((error: unknown) => this.connection.reportFailure('admission release', error));
  }
}

function keysOf(keyId: string): [string, string, string] {
  return [`admission:${keyId}:requests`, `admission:${keyId}:images`, `admission:${keyId}:in-flight`];
}
