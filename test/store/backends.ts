// Runs one store test suite against every backend: SQLite always, PostgreSQL when reachable
// (and as a failure when unreachable while IMAGEGATE_REQUIRE_SERVICES=1).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/index.js';

export const postgresUrl =
  process.env.IMAGEGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const servicesRequired = process.env.IMAGEGATE_REQUIRE_SERVICES === '1';

export interface OpenedStore {
  store: StoreDatabase;
  /** Closes the store and removes everything it created. */
  dispose(): Promise<void>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedStore>;
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  async open() {
    const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-store-'));
    const store = await openDatabase(undefined, join(dataDir, 'nested'));
    return {
      store,
      async dispose() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgresBackend: Backend = {
  name: 'postgres',
  async open() {
    const schema = 't_' + randomBytes(6).toString('hex');
    await withAdminClient((client) => client.query(`create schema ${schema}`));
    const separator = postgresUrl.includes('?') ? '&' : '?';
    const url = `${postgresUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const store = await openDatabase(url, '/nonexistent');
    return {
      store,
      async dispose() {
        await store.close();
        await withAdminClient((client) => client.query(`drop schema ${schema} cascade`));
      },
    };
  },
};

/** One plain connection to the test database (schema setup and teardown, reachability). */
export async function withAdminClient<Result>(work: (client: pg.Client) => Promise<Result>): Promise<Result> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function postgresReachable(): Promise<string | undefined> {
  try {
    await withAdminClient((client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const postgresProblem = await postgresReachable();

/**
 * Declares `suite` once per backend. `current()` gives the store of the running test: a fresh,
 * migrated database (temp SQLite file, or a throwaway PostgreSQL schema), one per test, or with
 * `freshFor: 'file'` one per backend shared by the file's tests (which then keep apart by key).
 */
export function describeEachBackend(
  title: string,
  suite: (current: () => StoreDatabase) => void,
  { freshFor = 'test' }: { freshFor?: 'test' | 'file' } = {},
): void {
  for (const backend of [sqliteBackend, postgresBackend]) {
    if (backend.name === 'postgres' && postgresProblem !== undefined) {
      if (servicesRequired) {
        describe(`${title} (postgres)`, () => {
          it('reaches the PostgreSQL server required by IMAGEGATE_REQUIRE_SERVICES', () => {
            throw new Error(`PostgreSQL at ${postgresUrl} is unreachable: ${postgresProblem}`);
          });
        });
      } else {
        describe.skip(`${title} (postgres unreachable: ${postgresProblem})`, () =>
          suite(() => unavailable()));
      }
      continue;
    }
    describe(`${title} (${backend.name})`, () => {
      let opened: OpenedStore | undefined;
      (freshFor === 'file' ? beforeAll : beforeEach)(async () => {
        opened = await backend.open();
        await migrateToLatest(opened.store.db);
      });
      (freshFor === 'file' ? afterAll : afterEach)(async () => {
        await opened?.dispose();
        opened = undefined;
      });
      suite(() => opened?.store ?? unavailable());
    });
  }
}

function unavailable(): never {
  throw new Error('no store is open outside a test');
}
