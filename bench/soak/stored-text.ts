// Greps what the gateway stored for provider keys: error classes and texts in the request log,
// attempts, channel state, billing evidence and retest results are shown on /status and in reports.
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/index.js';

const tablesWithText = [
  'request_log',
  'request_attempts',
  'channel_state',
  'billing_evidence',
  'retest_results',
];

/** Rows, per table, whose text contains any of `providerKeys`. */
export async function storedRowsWithKeys(
  dataDir: string,
  databaseUrl: string | undefined,
  providerKeys: readonly string[],
): Promise<{ rows: number; withKeys: Record<string, number> }> {
  const database = await openDatabase(databaseUrl, dataDir);
  const withKeys: Record<string, number> = {};
  let rows = 0;
  try {
    for (const table of tablesWithText) {
      const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
        database.db,
      );
      rows += result.rows.length;
      const found = result.rows.filter((row) => {
        const text = JSON.stringify(row, (_name, value) => (Buffer.isBuffer(value) ? undefined : value));
        return providerKeys.some((key) => text.includes(key));
      }).length;
      if (found > 0) withKeys[table] = found;
    }
  } finally {
    await database.close();
  }
  return { rows, withKeys };
}
