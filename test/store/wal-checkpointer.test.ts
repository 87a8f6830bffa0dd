import { statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';

describe('SQLite checkpoints off the event loop', () => {
  it('copies committed pages into the database file from the worker, and on close', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-wal-'));
    const file = join(dataDir, 'imagegate.db');
    const database = await openDatabase(undefined, dataDir);
    await migrateToLatest(database.db);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const before = statSync(file).size;
    for (let batch = 0; batch < 20; batch += 1) {
      await database.db
        .insertInto('ledger')
        .values(
          Array.from({ length: 100 }, (_, index) => ({
            id: `r${batch}-${index}:settle`,
            request_id: `r${batch}-${index}`,
            key_id: 'k',
            kind: 'settle' as const,
            amount_micros: index,
            created_at: Date.now(),
          })),
        )
        .execute();
    }
    // Commits alone no longer checkpoint; the worker does within its 1 s interval.
    expect(statSync(file).size).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(statSync(file).size).toBeGreaterThan(before);
    await database.close();
    expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });
});
