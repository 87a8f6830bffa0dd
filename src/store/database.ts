// Opens the store: embedded SQLite by default, PostgreSQL when the URL says so.
// Both come back as the same Kysely<DatabaseSchema>, so every query is written once.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import type { DatabaseSchema } from './schema.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreDatabase {
  db: Kysely<DatabaseSchema>;
  dialect: StoreDialect;
  /** The SQLite database file; undefined in memory and on PostgreSQL. */
  file?: string;
  close(): Promise<void>;
}

export type DatabaseLocation =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; connectionString: string };

const defaultFileName = 'imagegate.db';

/**
 * Reads IMAGEGATE_DATABASE_URL: unset → `${dataDir}/imagegate.db`; `sqlite:PATH`, `sqlite://PATH`
 * or a bare path → that SQLite file (`:memory:` for an in-memory database); `postgres://…` or
 * `postgresql://…` → PostgreSQL (query parameters such as `options=-c search_path=x` pass through).
 */
export function resolveDatabaseLocation(url: string | undefined, dataDir: string): DatabaseLocation {
  const trimmed = url?.trim() ?? '';
  if (trimmed === '') return { dialect: 'sqlite', file: join(dataDir, defaultFileName) };
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', connectionString: trimmed };
  const path = trimmed.replace(/^sqlite:(\/\/)?/i, '');
  if (path === '') return { dialect: 'sqlite', file: join(dataDir, defaultFileName) };
  return { dialect: 'sqlite', file: path };
}

export async function openDatabase(url: string | undefined, dataDir: string): Promise<StoreDatabase> {
  const location = resolveDatabaseLocation(url, dataDir);
  return location.dialect === 'postgres'
    ? await openPostgres(location.connectionString)
    : openSqlite(location.file);
}

function openSqlite(file: string): StoreDatabase {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const database = new BetterSqlite3(file);
  // WAL lets readers (CLI `usage`, status page) run while the gateway writes.
  if (!inMemory) database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  const checkpointer = inMemory ? undefined : startWalCheckpointer(database, file);
  const db = new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  return {
    db,
    dialect: 'sqlite',
    file: inMemory ? undefined : resolve(file),
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing costs
 * more than running the small statements of the hot path. Queries are few and fixed (parameters
 * are bound, never inlined), so a bounded cache by SQL text holds them all.
 */
function withStatementCache(database: BetterSqlite3.Database, limit = 512) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= limit) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(connectionString: string): Promise<StoreDatabase> {
  // Loaded only for PostgreSQL: the default SQLite node never holds the pg client in its heap.
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ connectionString, types: numericTypeParsers(pgModule), max: 10 });
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

const int8TypeId = 20;
const numericTypeId = 1700;

/**
 * pg returns bigint and numeric as strings by default. Money and tokens are bigint columns
 * and SUM() yields numeric, so both are parsed to numbers here — for this pool only, never
 * globally — and a value that cannot be represented exactly is an error, not a rounding.
 */
function numericTypeParsers(pgModule: typeof pg): pg.CustomTypesConfig {
  const overrides = new pgModule.TypeOverrides();
  overrides.setTypeParser(int8TypeId, 'text', parseExactInteger);
  overrides.setTypeParser(numericTypeId, 'text', (value: string) => {
    const parsed = Number(value);
    if (Number.isInteger(parsed) && !Number.isSafeInteger(parsed)) {
      throw new RangeError(`numeric value ${value} exceeds the exact integer range of a JavaScript number`);
    }
    return parsed;
  });
  return overrides;
}

function parseExactInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new RangeError(`bigint value ${value} exceeds the exact integer range of a JavaScript number`);
  }
  return parsed;
}
