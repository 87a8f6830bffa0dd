// Adapter to the billing engineer's reconciliation (src/billing/reconcile.ts `billingStatus`):
// loaded at run time so the status page works before or without it, showing `unknown` then.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';

export interface BillingConsistencyView {
  status: 'consistent' | 'under review' | 'unknown';
  /** One line of evidence for people, e.g. "3 requests drifted in 24 h". */
  detail?: string;
}

type BillingStatusFunction = (db: Kysely<DatabaseSchema>, model: string, channel: string) => Promise<unknown>;

const reconcileModulePath = '../billing/reconcile.js';
let loaded: Promise<BillingStatusFunction | undefined> | undefined;

async function loadBillingStatusFunction(): Promise<BillingStatusFunction | undefined> {
  try {
    const module = (await import(reconcileModulePath)) as Record<string, unknown>;
    return typeof module.billingStatus === 'function'
      ? (module.billingStatus as BillingStatusFunction)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads one answer of billingStatus(), whatever its exact shape, as a view. Pure. */
export function toBillingView(answer: unknown): BillingConsistencyView {
  const record = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {};
  const status = typeof answer === 'string' ? answer : record.status;
  const drifting = typeof record.driftingRequests === 'number' ? record.driftingRequests : undefined;
  if (status === 'consistent') return { status: 'consistent' };
  if (status === 'under review' || status === 'under_review') {
    return {
      status: 'under review',
      detail: drifting === undefined ? undefined : `${drifting} request(s) drifted from the expected cost`,
    };
  }
  return { status: 'unknown' };
}

export async function billingConsistency(
  db: Kysely<DatabaseSchema>,
  model: string,
  channel: string,
): Promise<BillingConsistencyView> {
  loaded ??= loadBillingStatusFunction();
  const billingStatus = await loaded;
  if (!billingStatus) return { status: 'unknown' };
  try {
    return toBillingView(await billingStatus(db, model, channel));
  } catch {
    // e.g. its table is not migrated yet in this database.
    return { status: 'unknown' };
  }
}
