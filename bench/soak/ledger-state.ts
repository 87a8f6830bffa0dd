// Reads the billing state the soak checks, per client key, from the gateway's database (after the
// gateway has stopped and flushed): ledger charges, request-log charges and images, key balances.
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/index.js';

export interface KeyBilling {
  keyId: string;
  spendLimitMicros: number | null;
  spentMicros: number;
  reservedMicros: number;
  /** Settle rows less refund rows: what the ledger charged. */
  ledgerChargedMicros: number;
  /** hold − settle − release: 0 when every hold was closed. */
  ledgerOutstandingMicros: number;
  requestLogChargedMicros: number;
  requestLogImages: number;
  /** Images on request-log rows charged nothing, on models that have a price. */
  uncharged: { rows: number; images: number };
  openHolds: number;
}

/** The built-in engine is free: its images are billed at 0 on purpose. */
const freeModels = ['local-image-edit'];

export interface LedgerState {
  keys: Map<string, KeyBilling>;
  /** Open holds on every key, including holds without one. */
  openHolds: number;
}

export async function readLedgerState(
  dataDir: string,
  databaseUrl: string | undefined,
  keyIds: readonly string[],
): Promise<LedgerState> {
  const database = await openDatabase(databaseUrl, dataDir);
  try {
    const { db } = database;
    const keys = new Map<string, KeyBilling>();
    for (const keyId of keyIds) {
      const ledger = await sql<{ kind: string; total: number }>`
        select kind, cast(coalesce(sum(amount_micros), 0) as bigint) as total
        from ledger where key_id = ${keyId} group by kind`.execute(db);
      const sumOf = (kind: string) => Number(ledger.rows.find((row) => row.kind === kind)?.total ?? 0);
      const log = await sql<{ charged: number; images: number }>`
        select cast(coalesce(sum(charged_micros), 0) as bigint) as charged,
               cast(coalesce(sum(images_out), 0) as bigint) as images
        from request_log where key_id = ${keyId}`.execute(db);
      const uncharged = await sql<{ rows: number; images: number }>`
        select count(*) as rows, cast(coalesce(sum(images_out), 0) as bigint) as images
        from request_log where key_id = ${keyId} and images_out > 0 and charged_micros = 0
        and model not in (${sql.join(freeModels)})`.execute(db);
      const holds = await sql<{ count: number }>`
        select count(*) as count from holds where key_id = ${keyId} and state = 'open'`.execute(db);
      const key = await db
        .selectFrom('client_keys')
        .select(['spend_limit_micros', 'spent_micros', 'reserved_micros'])
        .where('id', '=', keyId)
        .executeTakeFirstOrThrow();
      keys.set(keyId, {
        keyId,
        spendLimitMicros: key.spend_limit_micros === null ? null : Number(key.spend_limit_micros),
        spentMicros: Number(key.spent_micros),
        reservedMicros: Number(key.reserved_micros),
        ledgerChargedMicros: sumOf('settle') - sumOf('refund'),
        ledgerOutstandingMicros: sumOf('hold') - sumOf('settle') - sumOf('release'),
        requestLogChargedMicros: Number(log.rows[0]?.charged ?? 0),
        requestLogImages: Number(log.rows[0]?.images ?? 0),
        uncharged: {
          rows: Number(uncharged.rows[0]?.rows ?? 0),
          images: Number(uncharged.rows[0]?.images ?? 0),
        },
        openHolds: Number(holds.rows[0]?.count ?? 0),
      });
    }
    const open = await sql<{
      count: number;
    }>`select count(*) as count from holds where state = 'open'`.execute(db);
    return { keys, openHolds: Number(open.rows[0]?.count ?? 0) };
  } finally {
    await database.close();
  }
}
