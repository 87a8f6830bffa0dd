// Crash recovery for the ledger: settles a killed process journaled are replayed, then the holds it
// left open are released, each with an `interrupted` request log row, so ledger and request log
// agree again before serving.
import type { Kysely } from 'kysely';
import { type DatabaseSchema, insertRequestLogEntries } from '../store/index.js';
import { ownerIsGone } from './hold-owner.js';
import { type ReplayResult, replaySettleJournals } from './settle-journal.js';

type Database = Kysely<DatabaseSchema>;

export interface RecoveryScope {
  /** This process's hold owner string (src/billing/hold-owner.ts). */
  self: string;
  /** Holds older than this are released whoever owns them: no live request runs that long. */
  maxAgeMs: number;
  /** Where settle journals are kept (src/billing/settle-journal.ts); replayed before any release. */
  journalDir?: string;
  /** Told what a replay found (files and settles of processes that are gone, unreadable lines). */
  onReplay?: (result: ReplayResult) => void;
}

/**
 * Crash recovery, run at start before serving and then periodically: every open hold whose owner
 * is gone (see ownerIsGone) or that is older than any request can run belongs to a request that
 * will never finish. Each is released, and gets an `interrupted` request log row (status 0,
 * charged 0) unless it has one. Holds of live processes (other replicas, a running `serve` while
 * `imagegate retest` starts) are left alone. Without a scope every open hold is released. First,
 * the settle journals of processes that are gone are replayed, so a request answered just before
 * its process died is charged, not released. Returns how many holds were released.
 */
export async function releaseOpenHolds(
  db: Database,
  now: number = Date.now(),
  scope?: RecoveryScope,
): Promise<number> {
  if (scope?.journalDir) {
    const { self, journalDir } = scope;
    const replayed = await replaySettleJournals(db, journalDir, (owner) => ownerIsGone(owner, self));
    if (replayed.files > 0) scope.onReplay?.(replayed);
  }
  return db.transaction().execute(async (transaction) => {
    const candidates = await transaction
      .selectFrom('holds')
      .selectAll()
      .where('state', '=', 'open')
      .execute();
    const open = scope
      ? candidates.filter(
          (hold) => ownerIsGone(hold.owner, scope.self) || now - Number(hold.created_at) > scope.maxAgeMs,
        )
      : candidates;
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

/** Runs recovery every `intervalMs` (unref'd), for holds of replicas that died while this one runs. */
export function startHoldSweeper(
  db: Database,
  scope: RecoveryScope,
  onResult: (released: number, error?: unknown) => void,
  intervalMs = 60_000,
): () => void {
  const timer = setInterval(() => {
    releaseOpenHolds(db, Date.now(), scope).then(
      (released) => onResult(released),
      (error: unknown) => onResult(0, error),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
