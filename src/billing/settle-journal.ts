// The settle journal (embedded SQLite only): a settle is appended to a per-process file with one
// write() before the answer goes out, and reaches the database in a batched commit a few ms later.
// A process killed in between leaves its lines behind; the next recovery run replays them into
// the ledger (a replay of a settle that did commit changes nothing) before releasing holds.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';
import { type SettleRequest, writeLedgerGroup } from './ledger-transaction.js';

const suffix = '.jsonl';

/** `<owner>.<n>.jsonl`, the owner URI-encoded (it holds the host name). */
function journalFileName(owner: string, sequence: number): string {
  return `${encodeURIComponent(owner)}.${sequence}${suffix}`;
}

function ownerOfFile(name: string): string | undefined {
  const match = /^(.+)\.\d+\.jsonl$/.exec(name);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * Appends settles to this process's journal file. `seal` closes the file being appended to once it
 * holds `fileBytes` (later settles go to a new one; creating and deleting a file per batch would
 * cost more than the batch's commit), so a file's settles are all handed to the database before it
 * is deleted; `discardSealed` deletes the sealed files once their settles are committed, and
 * `keepSealed` leaves them for the next start's recovery (a batch of theirs failed to commit). A
 * replay re-applies at most one file of settles that did commit, which changes nothing.
 */
export class SettleJournal {
  private fd: number | undefined;
  private path: string | undefined;
  private sequence = 0;
  private sealed: string[] = [];
  private lines: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled: NodeJS.Immediate | undefined;
  private bytesInFile = 0;

  constructor(
    readonly directory: string,
    private readonly owner: string,
    private readonly fileBytes = 1024 * 1024,
  ) {
    mkdirSync(directory, { recursive: true });
  }

  /**
   * Resolves once the settle is written to the OS (as safe against a process crash as a commit).
   * The settles of one event-loop turn share one write() at its end.
   */
  append(request: SettleRequest): Promise<void> {
    try {
      this.lines.push(`${JSON.stringify(request)}\n`);
    } catch (error) {
      return Promise.reject(error); // not journaled; the ledger still commits it with its batch
    }
    this.scheduled ??= setImmediate(() => this.writePending());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private writePending(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(this.lines.join(''));
    const waiting = this.waiting;
    this.lines = [];
    this.waiting = [];
    try {
      if (this.fd === undefined) {
        this.sequence += 1;
        this.path = join(this.directory, journalFileName(this.owner, this.sequence));
        this.fd = openSync(this.path, 'a');
      }
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
      this.bytesInFile += bytes.length;
    } catch (error) {
      for (const settle of waiting) settle.reject(error);
      return;
    }
    for (const settle of waiting) settle.resolve();
  }

  /** Closes the file being appended to if it is full (or `always`). */
  seal(always = false): void {
    this.writePending();
    if (this.fd === undefined || this.path === undefined) return;
    if (!always && this.bytesInFile < this.fileBytes) return;
    this.bytesInFile = 0;
    closeSync(this.fd);
    this.sealed.push(this.path);
    this.fd = undefined;
    this.path = undefined;
  }

  discardSealed(): void {
    for (const path of this.sealed.splice(0)) unlinkSync(path);
  }

  keepSealed(): void {
    this.sealed.length = 0;
  }

  /** After a flush: closes the open file and deletes the committed ones. */
  close(): void {
    this.seal(true);
    this.discardSealed();
  }
}

export interface ReplayResult {
  files: number;
  settles: number;
  /** Lines that could not be read (a write cut short by the crash). */
  unreadable: number;
}

/**
 * Replays the journal files of every owner `isGone` says has stopped, one transaction per file,
 * then deletes them. Settles already committed are skipped by the ledger's own guards (an open
 * hold is closed once; a request log row is written once), so a replay never charges twice.
 */
export async function replaySettleJournals(
  db: Kysely<DatabaseSchema>,
  directory: string,
  isGone: (owner: string) => boolean,
): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, settles: 0, unreadable: 0 };
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  for (const name of names.sort()) {
    const owner = ownerOfFile(name);
    if (owner === undefined || !isGone(owner)) continue;
    const path = join(directory, name);
    const settles: SettleRequest[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        settles.push(JSON.parse(line) as SettleRequest);
      } catch {
        result.unreadable += 1;
      }
    }
    if (settles.length > 0) {
      await writeLedgerGroup(
        db,
        settles.map((request) => ({ kind: 'settle', request })),
      );
    }
    unlinkSync(path);
    result.files += 1;
    result.settles += settles.length;
  }
  return result;
}
