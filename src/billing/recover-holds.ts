// Crash recovery for the ledger: holds a killed process left open are released at start, each with
// an `interrupted` request log row, so ledger and request log agree again before serving.
import type { Kysely } from 'kysely';
import { type DatabaseSchema, insertRequestLogEntries } from '../store/index.js';

type Database = Kysely<DatabaseSchema>;

/**
 * Crash recovery, run at start before serving: every hold still open belongs to a request the
 * previous process never finished. Each is released, and gets an `interrupted` request log row
 * (status 0, charged 0) unless it has one. Returns how many holds were released.
 */
export async function releaseOpenHolds(db: Database, now: number = Date.now()): Promise<number> {
  return db.transaction().execute(async (transaction) => {
    const open = await transaction.selectFrom('holds').selectAll().where('state', '=', 'open').execute();
    for (const hold of open) {
      const amount = Number(hold.amount_micros);
      await transaction
        .updateTable('holds')
        .set({ state: 'released', closed_at: now })
        .where('request_id', '=', hold.request_id)
        .execute();
      await transaction
        .insertInto('ledger')
        .values({
          id: `${hold.request_id}:release`,
          request_id: hold.request_id,
          key_id: hold.key_id,
          kind: 'release',
          amount_micros: amount,
          created_at: now,
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      if (hold.key_id !== null) {
        await transaction
          .updateTable('client_keys')
          .set((expression) => ({ reserved_micros: expression('reserved_micros', '-', amount) }))
          .where('id', '=', hold.key_id)
          .execute();
      }
      await insertRequestLogEntries(transaction, [
        {
          id: hold.request_id,
          createdAt: Number(hold.created_at),
          keyId: hold.key_id,
          door: hold.door ?? 'gemini',
          model: hold.model ?? 'unknown',
          channel: null,
          status: 0,
          errorClass: 'interrupted',
          latencyMs: Math.max(0, now - Number(hold.created_at)),
          attempts: 0,
          imagesOut: 0,
          chargedMicros: 0,
          stream: Number(hold.stream) === 1,
        },
      ]);
    }
    return open.length;
  });
}
