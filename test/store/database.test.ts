import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, resolveDatabaseLocation } from '../../src/store/index.js';

describe('resolveDatabaseLocation', () => {
  it('uses imagegate.db in the data dir when no URL is set', () => {
    expect(resolveDatabaseLocation(undefined, 'data')).toEqual({
      dialect: 'sqlite',
      file: join('data', 'imagegate.db'),
    });
    expect(resolveDatabaseLocation('  ', 'data')).toEqual({
      dialect: 'sqlite',
      file: join('data', 'imagegate.db'),
    });
  });

  it('reads sqlite: URLs and bare paths as SQLite files', () => {
    expect(resolveDatabaseLocation('sqlite:/var/lib/ig.db', 'data')).toEqual({
      dialect: 'sqlite',
      file: '/var/lib/ig.db',
    });
    expect(resolveDatabaseLocation('sqlite://rel/ig.db', 'data')).toEqual({
      dialect: 'sqlite',
      file: 'rel/ig.db',
    });
    expect(resolveDatabaseLocation('./ig.db', 'data')).toEqual({ dialect: 'sqlite', file: './ig.db' });
    expect(resolveDatabaseLocation('sqlite::memory:', 'data')).toEqual({
      dialect: 'sqlite',
      file: ':memory:',
    });
  });

  it('reads postgres:// and postgresql:// URLs as PostgreSQL', () => {
    expect(resolveDatabaseLocation('postgres://u@h:5432/db', 'data').dialect).toBe('postgres');
    expect(resolveDatabaseLocation('postgresql://u@h/db?sslmode=require', 'data')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://u@h/db?sslmode=require',
    });
  });
});

describe('openDatabase with SQLite', () => {
  it('creates the data dir and opens the file in WAL mode', async () => {
    const root = mkdtempSync(join(tmpdir(), 'imagegate-open-'));
    const dataDir = join(root, 'a', 'b');
    const store = await openDatabase(undefined, dataDir);
    try {
      expect(store.dialect).toBe('sqlite');
      expect(existsSync(join(dataDir, 'imagegate.db'))).toBe(true);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      expect(timeout.rows[0]?.timeout).toBe(5000);
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('supports an in-memory database for tests', async () => {
    const store = await openDatabase(':memory:', '/nonexistent');
    try {
      await migrateToLatest(store.db);
      const tables = await store.db.introspection.getTables();
      expect(tables.map((table) => table.name)).toContain('client_keys');
    } finally {
      await store.close();
    }
  });
});
