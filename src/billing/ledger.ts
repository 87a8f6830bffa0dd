// The ledger in integer micro-USD: hold → settle (or release). Holds admit against the key's spend
// limit atomically; a settle writes hold state, ledger rows, the key's spend and the request log row
// in one transaction (src/billing/ledger-transaction.ts). Operations are group-committed: the
// operations of one event-loop turn share a transaction, everything queued while it commits goes
// into the next, and each caller awaits its own operation's commit. With a settle journal
// (src/billing/settle-journal.ts) a settle is durable once appended to it: the caller goes on at
// once, and journaled settles wait up to `settleBatchMs` for company before their commit.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';
import {
  type ClaimRequest,
  type HoldRequest,
  type HoldResult,
  type LedgerGroupResults,
  type LedgerOperation,
  type SettleRequest,
  writeLedgerGroup,
} from './ledger-transaction.js';
import type { SettleJournal } from './settle-journal.js';

export type {
  ClaimRequest,
  ClientRequestRef,
  HoldRequest,
  HoldResult,
  SettleRequest,
} from './ledger-transaction.js';

type QueuedOperation = LedgerOperation & {
  resolve: (result: HoldResult | undefined) => void;
  reject: (error: unknown) => void;
};

export interface LedgerOptions {
  /** How long the first queued operation waits for company; 0 (default) = the same event-loop turn. */
  groupCommitMs?: number;
  /** Operations per transaction; a full group is written at once. Default 256. */
  maxGroup?: number;
  /** Stamped on every hold so crash recovery knows which process placed it. */
  owner?: string;
  /** Makes settles durable by one append each, committed in batches (embedded SQLite). */
  journal?: SettleJournal;
  /** How long a journaled settle waits for company before its commit. Default 20 ms. */
  settleBatchMs?: number;
  /** A batch of journaled settles that failed to commit (its journal file is kept for recovery). */
  onJournaledFailure?: (error: unknown, settles: number) => void;
}

export class Ledger {
  private readonly groupCommitMs: number;
  private readonly maxGroup: number;
  private readonly owner: string | undefined;
  private readonly journal: SettleJournal | undefined;
  private readonly settleBatchMs: number;
  private readonly onJournaledFailure: (error: unknown, settles: number) => void;
  private queue: QueuedOperation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    options: LedgerOptions = {},
  ) {
    this.groupCommitMs = options.groupCommitMs ?? 0;
    this.maxGroup = options.maxGroup ?? 256;
    this.owner = options.owner;
    this.journal = options.journal;
    this.settleBatchMs = options.settleBatchMs ?? 20;
    this.onJournaledFailure = options.onJournaledFailure ?? (() => {});
  }

  /** Durably places a hold, or says why not (spend limit, reused request id). */
  hold(request: HoldRequest): Promise<HoldResult> {
    assertMicros(request.amountMicros);
    const owned = { ...request, owner: request.owner ?? this.owner };
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: 'hold',
        request: owned,
        resolve: (result) => resolve(result as HoldResult),
        reject,
      }),
    );
  }

  /** Durably claims a client's request id for a key without a spend limit, or says it is taken. */
  claim(request: ClaimRequest): Promise<HoldResult> {
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: 'claim',
        request,
        resolve: (result) => resolve(result as HoldResult),
        reject,
      }),
    );
  }

  /**
   * Durably closes a hold: charges `chargedMicros`, releases the rest, writes the request log row.
   * Resolves once committed, or with a journal once appended to it (the commit follows shortly;
   * if the append fails, once committed).
   */
  settle(request: SettleRequest): Promise<void> {
    assertMicros(request.chargedMicros);
    if (this.journal) {
      const journaled = this.journal.append(request);
      const committed = new Promise<void>((resolve, reject) =>
        this.enqueue({ kind: 'settle', request, resolve: () => resolve(), reject }, this.settleBatchMs),
      );
      committed.catch(() => {}); // a failed batch is reported through onJournaledFailure
      // Not journaled (a full disk, say): durable only once its batch commits.
      return journaled.catch(() => committed);
    }
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'settle', request, resolve: () => resolve(), reject }),
    );
  }

  /** Writes everything queued (readers in this process call it first to see every settle). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) await this.startWriting();
  }

  /** Flushes, then closes the journal (its files are deleted, but those of a failed batch). */
  async close(): Promise<void> {
    await this.flush();
    this.journal?.close();
  }

  private enqueue(operation: QueuedOperation, waitMs = this.groupCommitMs): void {
    this.queue.push(operation);
    if (this.queue.length >= this.maxGroup) void this.startWriting();
    else if (this.writing)
      return; // the running write picks this up as soon as it commits
    else if (waitMs > 0 && !this.immediate) this.timer ??= setTimeout(() => void this.startWriting(), waitMs);
    // Group commit without a fixed wait: operations arriving in this turn of the event loop share
    // one transaction, and everything that queues while it commits goes into the next one.
    else this.immediate ??= setImmediate(() => void this.startWriting());
  }

  private startWriting(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) void this.startWriting();
    });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      // Every settle queued so far is written to the journal; a full file is sealed, and sealed
      // files are deleted once the queue is empty again (all of their settles committed).
      this.journal?.seal();
      const group = this.queue.splice(0, this.maxGroup);
      let results: LedgerGroupResults;
      try {
        results = await writeLedgerGroup(this.db, group);
      } catch (error) {
        if (group.length === 1) this.fail(group, error);
        else await this.writeEachAlone(group);
        continue;
      }
      for (const [index, operation] of group.entries()) operation.resolve(results[index]);
    }
    this.journal?.discardSealed();
  }

  /**
   * A group failed: one faulty operation must not fail its neighbours (other tenants' holds and
   * settles), so each is written again in a transaction of its own and only the faulty one fails.
   * Nothing of the failed group was committed, so writing an operation again never doubles it.
   */
  private async writeEachAlone(group: QueuedOperation[]): Promise<void> {
    for (const operation of group) {
      try {
        const [result] = await writeLedgerGroup(this.db, [operation]);
        operation.resolve(result);
      } catch (error) {
        this.fail([operation], error);
      }
    }
  }

  private fail(operations: QueuedOperation[], error: unknown): void {
    for (const operation of operations) operation.reject(error);
    const journaled = this.journal ? operations.filter((operation) => operation.kind === 'settle').length : 0;
    if (journaled > 0) {
      this.journal?.seal(true);
      this.journal?.keepSealed(); // the next start replays them
      this.onJournaledFailure(error, journaled);
    }
  }
}

function assertMicros(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`ledger amounts are non-negative integer micro-USD, got ${amount}`);
  }
}
