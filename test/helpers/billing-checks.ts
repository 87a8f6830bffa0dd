// Database assertions shared by the billing tests: ledger, key balances and request log agree.
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { StoreDatabase } from '../../src/store/index.js';

export interface BillingTotals {
  openHolds: number;
  /** Sum of settle rows (what was charged). */
  ledgerCharged: number;
  /** hold − settle − release over every hold: 0 when every hold is closed. */
  ledgerOutstanding: number;
  spent: number;
  reserved: number;
  requestLogCharged: number;
}

export async function billingTotals(database: StoreDatabase, keyId?: string): Promise<BillingTotals> {
  const { db } = database;
  const byKey = keyId === undefined ? sql`1 = 1` : sql`key_id = ${keyId}`;
  const ledger = await sql<{ kind: string; total: number }>`
    select kind, cast(coalesce(sum(amount_micros), 0) as bigint) as total from ledger where ${byKey} group by kind`.execute(
    db,
  );
  const sumOf = (kind: string) => Number(ledger.rows.find((row) => row.kind === kind)?.total ?? 0);
  const open = await sql<{
    count: number;
  }>`select count(*) as count from holds where state = 'open' and ${byKey}`.execute(db);
  const keys = await sql<{ spent: number; reserved: number }>`
    select cast(coalesce(sum(spent_micros), 0) as bigint) as spent, cast(coalesce(sum(reserved_micros), 0) as bigint) as reserved
    from client_keys where ${keyId === undefined ? sql`1 = 1` : sql`id = ${keyId}`}`.execute(db);
  const log = await sql<{ total: number }>`
    select cast(coalesce(sum(charged_micros), 0) as bigint) as total from request_log where ${byKey}`.execute(
    db,
  );
  return {
    openHolds: Number(open.rows[0].count),
    ledgerCharged: sumOf('settle'),
    ledgerOutstanding: sumOf('hold') - sumOf('settle') - sumOf('release'),
    spent: Number(keys.rows[0].spent),
    reserved: Number(keys.rows[0].reserved),
    requestLogCharged: Number(log.rows[0].total),
  };
}

/** Every hold closed and nothing reserved; ledger, key balances and request log charge the same. */
export function expectBalanced(totals: BillingTotals): void {
  expect(totals.openHolds).toBe(0);
  expect(totals.reserved).toBe(0);
  expect(totals.ledgerOutstanding).toBe(0);
  expect(totals.ledgerCharged).toBe(totals.spent);
  expect(totals.requestLogCharged).toBe(totals.spent);
}
