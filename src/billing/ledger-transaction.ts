// The ledger's writes: one transaction per group of queued holds and settles (the queue and its
// timing are src/billing/ledger.ts).
import type { Kysely, Transaction } from 'kysely';
import {
  type DatabaseSchema,
  type Door,
  insertRequestLogEntries,
  type RequestLogEntry,
} from '../store/index.js';
import type { EvidenceFinding } from './reconcile.js';

type Database = Kysely<DatabaseSchema>;

export interface HoldRequest {
  requestId: string;
  keyId: string;
  amountMicros: number;
  door: Door;
  model: string;
  stream: boolean;
  /** This process's identity (src/billing/hold-owner.ts). */
  owner?: string;
  /** The client's own request id, claimed in the hold's transaction (see ClaimRequest). */
  clientRequest?: ClientRequestRef;
}

/** A client's `x-request-id` and the gateway id of the HTTP request that sent it. */
export interface ClientRequestRef {
  id: string;
  /** The HTTP request's id; its sub-calls (OpenAI `n`) share the claim. */
  requestId: string;
}

/** Claims a client's request id for a key without a spend limit (no hold to claim it with). */
export interface ClaimRequest {
  keyId: string;
  clientRequest: ClientRequestRef;
}

export type HoldResult =
  | { admitted: true }
  | {
      admitted: false;
      reason: 'spend_limit';
      spendLimitMicros: number;
      spentMicros: number;
      reservedMicros: number;
    }
  | { admitted: false; reason: 'duplicate_request_id' };

export interface SettleRequest {
  requestId: string;
  keyId: string;
  holdMicros: number;
  /** 0 releases the whole hold. */
  chargedMicros: number;
  /** The request's log row; its chargedMicros must equal the settle amount. */
  logEntry: RequestLogEntry;
  evidence: EvidenceFinding[];
  channel: string | null;
  /**
   * Set for a key without a spend limit: nothing had to be admitted, so no hold was written before
   * the upstream call; its hold, settle and release ledger rows are written here, in the settle's
   * transaction. A crash mid-request then leaves nothing behind (no hold, ledger or log row).
   */
  deferredHold?: { createdAt: number };
  /**
   * The client's request id this request claimed. A request that failed with nothing sent or charged
   * frees it, in this transaction, so the client's retry with the same id is served (a replay of a
   * request that delivered or charged anything stays refused).
   */
  clientRequest?: ClientRequestRef;
}

/** One group of queued operations: a hold's answer, or undefined for a settle. */
export type LedgerGroupResults = Array<HoldResult | undefined>;

export type LedgerOperation =
  | { kind: 'hold'; request: HoldRequest }
  | { kind: 'claim'; request: ClaimRequest }
  | { kind: 'settle'; request: SettleRequest };

/** Writes a group in one transaction; all of it commits or none of it (the error is thrown). */
export async function writeLedgerGroup(db: Database, group: LedgerOperation[]): Promise<LedgerGroupResults> {
  const results: LedgerGroupResults = [];
  await db.transaction().execute(async (transaction) => {
    results.length = 0;
    // First, so that a retry claiming the id in this same group finds it free (deferred settles
    // are written after the loop). Freeing again on a replay, or after a new claim, changes nothing.
    await freeClientRequestIds(
      transaction,
      group.flatMap((operation) => (operation.kind === 'settle' ? [operation.request] : [])),
    );
    const deferred: SettleRequest[] = [];
    for (const operation of group) {
      if (operation.kind === 'hold') {
        results.push(await applyHold(transaction, operation.request));
      } else if (operation.kind === 'claim') {
        const claim = await claimClientRequestId(transaction, operation.request);
        results.push(
          claim === 'taken' ? { admitted: false, reason: 'duplicate_request_id' } : { admitted: true },
        );
      } else {
        if (operation.request.deferredHold) deferred.push(operation.request);
        else await applySettle(transaction, operation.request);
        results.push(undefined);
      }
    }
    // Settles of keys without a spend limit touch nothing the others read: a few multi-row
    // statements for the whole group instead of four or five per request.
    if (deferred.length > 0) await applyDeferredSettles(transaction, deferred);
  });
  return results;
}

type ClaimOutcome = 'claimed' | 'shared' | 'taken';

/**
 * Claims a client's request id for one HTTP request: 'claimed' by this insert, 'shared' when a sibling
 * sub-call of the same request claimed it already, 'taken' when another request holds it (a replay,
 * in flight or finished, on this replica or another: the primary key decides).
 */
async function claimClientRequestId(
  transaction: Transaction<DatabaseSchema>,
  claim: ClaimRequest,
): Promise<ClaimOutcome> {
  const now = Date.now();
  const inserted = await transaction
    .insertInto('client_request_ids')
    .values({
      key_id: claim.keyId,
      client_request_id: claim.clientRequest.id,
      request_id: claim.clientRequest.requestId,
      created_at: now,
    })
    .onConflict((conflict) => conflict.columns(['key_id', 'client_request_id']).doNothing())
    .returning('request_id')
    .execute();
  if (inserted.length > 0) return 'claimed';
  const holder = await transaction
    .selectFrom('client_request_ids')
    .select('request_id')
    .where('key_id', '=', claim.keyId)
    .where('client_request_id', '=', claim.clientRequest.id)
    .executeTakeFirst();
  return holder?.request_id === claim.clientRequest.requestId ? 'shared' : 'taken';
}

async function applyHold(
  transaction: Transaction<DatabaseSchema>,
  request: HoldRequest,
): Promise<HoldResult> {
  const now = Date.now();
  const claim = request.clientRequest
    ? await claimClientRequestId(transaction, { keyId: request.keyId, clientRequest: request.clientRequest })
    : undefined;
  if (claim === 'taken') return { admitted: false, reason: 'duplicate_request_id' };
  const inserted = await transaction
    .insertInto('holds')
    .values({
      request_id: request.requestId,
      key_id: request.keyId,
      amount_micros: request.amountMicros,
      created_at: now,
      state: 'open',
      closed_at: null,
      door: request.door,
      model: request.model,
      stream: request.stream ? 1 : 0,
      owner: request.owner ?? null,
    })
    .onConflict((conflict) => conflict.column('request_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    return { admitted: false, reason: 'duplicate_request_id' };
  }
  // Admission and reservation in one statement: no read-modify-write, so no double spend.
  const reserved = await transaction
    .updateTable('client_keys')
    .set((expression) => ({ reserved_micros: expression('reserved_micros', '+', request.amountMicros) }))
    .where('id', '=', request.keyId)
    .where((expression) =>
      expression.or([
        expression('spend_limit_micros', 'is', null),
        expression(
          expression(
            expression('spent_micros', '+', expression.ref('reserved_micros')),
            '+',
            request.amountMicros,
          ),
          '<=',
          expression.ref('spend_limit_micros'),
        ),
      ]),
    )
    .executeTakeFirst();
  if (Number(reserved.numUpdatedRows) === 0) {
    await transaction.deleteFrom('holds').where('request_id', '=', request.requestId).execute();
    // Refused before any upstream call: the client may send the same id again once it has room.
    if (claim === 'claimed' && request.clientRequest) {
      await transaction
        .deleteFrom('client_request_ids')
        .where('key_id', '=', request.keyId)
        .where('client_request_id', '=', request.clientRequest.id)
        .execute();
    }
    const key = await transaction
      .selectFrom('client_keys')
      .select(['spend_limit_micros', 'spent_micros', 'reserved_micros'])
      .where('id', '=', request.keyId)
      .executeTakeFirst();
    return {
      admitted: false,
      reason: 'spend_limit',
      spendLimitMicros: Number(key?.spend_limit_micros ?? 0),
      spentMicros: Number(key?.spent_micros ?? 0),
      reservedMicros: Number(key?.reserved_micros ?? 0),
    };
  }
  await transaction
    .insertInto('ledger')
    .values(ledgerColumns(request, { kind: 'hold', amount: request.amountMicros, at: now }))
    .execute();
  return { admitted: true };
}

type LedgerRow = { kind: 'hold' | 'settle' | 'release'; amount: number; at: number };

/** hold → settle → release rows of one settle (the hold row only when it was deferred). */
function settleLedgerRows(request: SettleRequest, now: number): LedgerRow[] {
  const rows: LedgerRow[] = [];
  if (request.deferredHold && (request.holdMicros > 0 || request.chargedMicros > 0)) {
    rows.push({ kind: 'hold', amount: request.holdMicros, at: request.deferredHold.createdAt });
  }
  if (request.chargedMicros > 0) rows.push({ kind: 'settle', amount: request.chargedMicros, at: now });
  if (request.holdMicros !== request.chargedMicros) {
    // Negative when the upstream reported more than the worst case: the charge is still what it reported.
    rows.push({ kind: 'release', amount: request.holdMicros - request.chargedMicros, at: now });
  }
  return rows;
}

/** One ledger row of a request, keyed `<request id>:<kind>`. */
function ledgerColumns(request: { requestId: string; keyId: string }, row: LedgerRow) {
  return {
    id: `${request.requestId}:${row.kind}`,
    request_id: request.requestId,
    key_id: request.keyId,
    kind: row.kind,
    amount_micros: row.amount,
    created_at: row.at,
  };
}

// Well under SQLite's and PostgreSQL's bind-parameter limits (6 per row).
const ledgerRowsPerStatement = 500;

/**
 * Settles of keys without a spend limit (nothing was reserved, so there is no hold row to close):
 * the request log rows, keyed by request id, are the guard against charging a reused id twice;
 * the ledger gets each request's whole hold → settle → release story, and each key its spend.
 */
async function applyDeferredSettles(
  transaction: Transaction<DatabaseSchema>,
  requests: SettleRequest[],
): Promise<void> {
  const now = Date.now();
  const firstPerId = new Map<string, SettleRequest>();
  for (const request of requests) {
    if (!firstPerId.has(request.logEntry.id)) firstPerId.set(request.logEntry.id, request);
  }
  const unique = [...firstPerId.values()];
  const logged = await insertRequestLogEntries(
    transaction,
    unique.map((request) => ({ ...request.logEntry, chargedMicros: request.chargedMicros })),
  );
  const ledgerRows: ReturnType<typeof ledgerColumns>[] = [];
  const evidenceOf: SettleRequest[] = [];
  const spentByKey = new Map<string, number>();
  for (const request of unique) {
    if (!logged.has(request.logEntry.id)) continue;
    for (const row of settleLedgerRows(request, now)) ledgerRows.push(ledgerColumns(request, row));
    if (request.chargedMicros > 0) {
      spentByKey.set(request.keyId, (spentByKey.get(request.keyId) ?? 0) + request.chargedMicros);
    }
    evidenceOf.push(request);
  }
  for (let start = 0; start < ledgerRows.length; start += ledgerRowsPerStatement) {
    await transaction
      .insertInto('ledger')
      .values(ledgerRows.slice(start, start + ledgerRowsPerStatement))
      .execute();
  }
  await insertEvidence(transaction, evidenceOf, now);
  for (const [keyId, spent] of spentByKey) {
    await transaction
      .updateTable('client_keys')
      .set((expression) => ({ spent_micros: expression('spent_micros', '+', spent) }))
      .where('id', '=', keyId)
      .execute();
  }
}

/** Closes an open hold (a key with a spend limit): charge, release the rest, log the request. */
async function applySettle(transaction: Transaction<DatabaseSchema>, request: SettleRequest): Promise<void> {
  const now = Date.now();
  const closed = await transaction
    .updateTable('holds')
    .set({ state: request.chargedMicros > 0 ? 'settled' : 'released', closed_at: now })
    .where('request_id', '=', request.requestId)
    .where('state', '=', 'open')
    .executeTakeFirst();
  // A hold closed already (crash recovery by another start, a second settle) is not charged twice.
  if (Number(closed.numUpdatedRows) === 0) return;
  const ledgerRows = settleLedgerRows(request, now);
  if (ledgerRows.length > 0) {
    await transaction
      .insertInto('ledger')
      .values(ledgerRows.map((row) => ledgerColumns(request, row)))
      .execute();
  }
  await transaction
    .updateTable('client_keys')
    .set((expression) => ({
      spent_micros: expression('spent_micros', '+', request.chargedMicros),
      reserved_micros: expression('reserved_micros', '-', request.holdMicros),
    }))
    .where('id', '=', request.keyId)
    .execute();
  await insertRequestLogEntries(transaction, [{ ...request.logEntry, chargedMicros: request.chargedMicros }]);
  await insertEvidence(transaction, [request], now);
}

/**
 * Frees the client request ids of requests that failed with nothing sent or charged. Only a request
 * that owns its claim alone does (one of several OpenAI `n` calls never frees its siblings' id), and
 * only a definite failure (an interrupted request may still be running).
 */
async function freeClientRequestIds(
  transaction: Transaction<DatabaseSchema>,
  requests: SettleRequest[],
): Promise<void> {
  for (const { clientRequest, requestId, keyId, chargedMicros, logEntry } of requests) {
    if (!clientRequest || clientRequest.requestId !== requestId) continue;
    if (chargedMicros > 0 || logEntry.imagesOut > 0 || logEntry.status < 400) continue;
    await transaction
      .deleteFrom('client_request_ids')
      .where('key_id', '=', keyId)
      .where('client_request_id', '=', clientRequest.id)
      .where('request_id', '=', requestId)
      .execute();
  }
}

async function insertEvidence(
  transaction: Transaction<DatabaseSchema>,
  requests: SettleRequest[],
  now: number,
): Promise<void> {
  const rows = requests.flatMap((request) =>
    request.evidence.map((finding, index) => ({
      id: `${request.requestId}:${index}`,
      created_at: now,
      request_id: request.requestId,
      model: request.logEntry.model,
      channel: request.channel ?? '',
      kind: finding.kind,
      charged_micros: finding.chargedMicros,
      computed_micros: finding.computedMicros,
      expected_micros: finding.expectedMicros,
      reported_tokens: finding.reportedTokens,
      expected_tokens: finding.expectedTokens,
      drift_ppm: finding.driftPpm,
      details: JSON.stringify(finding.details),
    })),
  );
  // 13 parameters a row: well under SQLite's and PostgreSQL's bind-parameter limits.
  for (let start = 0; start < rows.length; start += evidenceRowsPerStatement) {
    await transaction
      .insertInto('billing_evidence')
      .values(rows.slice(start, start + evidenceRowsPerStatement))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
  }
}

const evidenceRowsPerStatement = 200;
