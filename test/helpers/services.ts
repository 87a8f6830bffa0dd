// The machine's real PostgreSQL and Redis for the scale-out tests: reachability (skip when absent,
// fail when IMAGEGATE_REQUIRE_SERVICES=1), a throwaway schema and Redis key prefix per test file,
// and stopping/starting Redis with the machine's own start command.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';
import { postgresUrl, withAdminClient } from '../store/backends.js';

const run = promisify(execFile);

export { postgresUrl } from '../store/backends.js';
export const redisUrl = process.env.IMAGEGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const servicesRequired = process.env.IMAGEGATE_REQUIRE_SERVICES === '1';

/** The command the machine (docs: node-svc) starts Redis with; used to start it again after a stop. */
const redisStartCommand =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

async function problemOf(check: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function pingRedis(): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

const problems = [
  await problemOf(() => withAdminClient((client) => client.query('select 1'))).then((problem) =>
    problem === undefined ? undefined : `PostgreSQL at ${postgresUrl}: ${problem}`,
  ),
  await problemOf(pingRedis).then((problem) =>
    problem === undefined ? undefined : `Redis at ${redisUrl}: ${problem}`,
  ),
].filter((problem) => problem !== undefined);

/** Declares `suite` when PostgreSQL and Redis answer; otherwise skips it, or fails when they are required. */
export function describeWithServices(title: string, suite: () => void): void {
  if (problems.length === 0) {
    describe(title, suite);
  } else if (servicesRequired) {
    describe(title, () => {
      it('reaches the PostgreSQL and Redis required by IMAGEGATE_REQUIRE_SERVICES', () => {
        throw new Error(`unreachable: ${problems.join('; ')}`);
      });
    });
  } else {
    describe.skip(`${title} (services unreachable: ${problems.join('; ')})`, suite);
  }
}

export interface ScratchSpace {
  /** A PostgreSQL URL whose search_path is a fresh schema. */
  databaseUrl: string;
  /** A Redis key prefix nobody else uses. */
  redisPrefix: string;
  dispose(): Promise<void>;
}

export async function createScratchSpace(): Promise<ScratchSpace> {
  const name = `scale_${randomBytes(5).toString('hex')}`;
  await withAdminClient((client) => client.query(`create schema ${name}`));
  const separator = postgresUrl.includes('?') ? '&' : '?';
  return {
    databaseUrl: `${postgresUrl}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`,
    redisPrefix: `imagegate-test:${name}:`,
    async dispose() {
      await withAdminClient((client) => client.query(`drop schema ${name} cascade`));
      await deleteRedisKeys(`imagegate-test:${name}:`).catch(() => {});
    },
  };
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export async function stopRedis(): Promise<void> {
  await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']).catch(() => {});
  await waitFor(async () => (await problemOf(pingRedis)) !== undefined, 'Redis to stop');
}

export async function startRedis(): Promise<void> {
  if ((await problemOf(pingRedis)) === undefined) return;
  await run('sh', ['-c', redisStartCommand]);
  await waitFor(async () => (await problemOf(pingRedis)) === undefined, 'Redis to start');
}

export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const lockFile = join(tmpdir(), 'imagegate-scale-tests.lock');

/**
 * Test files that use Redis take turns (vitest runs files in parallel): one of them stops Redis.
 * Returns the release function; a lock left by a dead process is taken over.
 */
export async function takeServicesTurn(timeoutMs = 120_000): Promise<() => void> {
  await waitFor(
    async () => {
      try {
        writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
        return true;
      } catch {
        if (!processAlive(Number(readFileSafely(lockFile)))) rmSync(lockFile, { force: true });
        return false;
      }
    },
    'the other scale-out test file to finish',
    timeoutMs,
  );
  return () => {
    if (readFileSafely(lockFile) === String(process.pid)) rmSync(lockFile, { force: true });
  };
}

function readFileSafely(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
