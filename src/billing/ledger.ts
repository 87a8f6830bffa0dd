// The ledger in integer micro-USD: hold → settle (or release). Holds admit against the key's spend
// limit atomically; a settle writes hold state, ledger rows, the key's spend and the request log row
// in one transaction (src/billing/ledger-transaction.ts). Operations are group-committed: the
// operations of one event-loop turn share a transaction, everything queued while it commits goes
// into the next, and each caller awaits its own operation's commit.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';
import {
  type HoldRequest,
  type HoldResult,
  type LedgerGroupResults,
  type LedgerOperation,
  type SettleRequest,
  writeLedgerGroup,
} from './ledger-transaction.js';

export type { HoldRequest, HoldResult, SettleRequest } from './ledger-transaction.js';

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
}

export class Ledger {
  private readonly groupCommitMs: number;
  private readonly maxGroup: number;
  private readonly owner: string | undefined;
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

  /** Durably closes a hold: charges `chargedMicros`, releases the rest, writes the request log row. */
  settle(request: SettleRequest): Promise<void> {
    assertMicros(request.chargedMicros);
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'settle', request, resolve: () => resolve(), reject }),
    );
  }

  /** Writes everything queued. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) await this.startWriting();
  }

  private enqueue(operation: QueuedOperation): void {
    this.queue.push(operation);
    if (this.queue.length >= this.maxGroup) void this.startWriting();
    else if (this.writing)
      return; // the running write picks this up as soon as it commits
    else if (this.groupCommitMs > 0)
      this.timer ??= setTimeout(() => void this.startWriting(), this.groupCommitMs);
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
      const group = this.queue.splice(0, this.maxGroup);
      let results: LedgerGroupResults;
      try {
        results = await writeLedgerGroup(this.db, group);
      } catch (error) {
        for (const operation of group) operation.reject(error);
        continue;
      }
      for (const [index, operation] of group.entries()) operation.resolve(results[index]);
    }
  }
}

function assertMicros(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`ledger amounts are non-negative integer micro-USD, got ${amount}`);
  }
}
