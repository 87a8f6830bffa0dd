// The retest lock across replicas: SET NX PX with a random token, released by compare-and-delete so
// a run whose lease ran out never frees the next holder's lock. Fails closed: without Redis, no retest.
import { randomUUID } from 'node:crypto';
import type { RetestLease, RetestLock } from '../retest-lock.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './connection.js';

const lockKey = 'retest-lock';

const releaseScript = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

export class RedisRetestLock implements RetestLock {
  constructor(private readonly connection: RedisConnection) {}

  async tryAcquire(ttlMs: number): Promise<RetestLease | undefined> {
    const token = randomUUID();
    let acquired: string | null;
    try {
      acquired = await this.connection.client.set(lockKey, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    } catch (error) {
      // Fail closed: two replicas retesting at once would double the upstream cost of a run.
      this.connection.reportFailure('retest lock', error);
      return undefined;
    }
    if (acquired !== 'OK') return undefined;
    return {
      release: async () => {
        try {
          await releaseScript.run(this.connection.client, [lockKey], [token]);
        } catch (error) {
          // The lease expires on its own after ttlMs.
          this.connection.reportFailure('retest lock release', error);
        }
      },
    };
  }
}
