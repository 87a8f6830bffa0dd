// Runs the ledger's transactions on a thread of their own, for a SQLite file. better-sqlite3 is
// synchronous: on the event loop every settle's inserts, index updates and WAL writes stop all
// requests while they run. Here the loop only posts the group and awaits the thread's answer; the
// caller still resumes after the commit, so nothing about durability changes.
import { Worker } from 'node:worker_threads';
import type { LedgerWriter } from './ledger.js';
import type { LedgerGroupResults } from './ledger-transaction.js';

/** A group travels as JSON text: cloning a string costs far less than cloning nested objects. */
export type LedgerThreadRequest = { id: number; groupJson: string } | { close: true };
export type LedgerThreadAnswer =
  | { id: number; results: LedgerGroupResults }
  | { id: number; error: { name: string; message: string; code?: string } };

interface Pending {
  resolve: (results: LedgerGroupResults) => void;
  reject: (error: unknown) => void;
}

/**
 * Starts the thread on `file`. Should it fail (cannot start, crashes), groups not yet answered are
 * rejected (an uncommitted transaction rolls back with its connection) and later groups are
 * written by `fallback`, in this process.
 */
export function startLedgerThread(
  file: string,
  fallback: LedgerWriter,
  onError: (error: Error) => void,
): LedgerWriter {
  let worker: Worker | undefined = new Worker(new URL('./ledger-thread-entry.js', import.meta.url), {
    workerData: { file },
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  // The thread keeps the process alive only while a group is on its way: an idle gateway or a
  // finished CLI command may exit.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker?.once('exit', () => resolve()));

  const giveUp = (error: Error) => {
    worker = undefined;
    onError(error);
    for (const [id, entry] of pending) {
      pending.delete(id);
      entry.reject(error);
    }
  };
  worker.on('message', (answer: LedgerThreadAnswer) => {
    const entry = pending.get(answer.id);
    if (!entry) return;
    pending.delete(answer.id);
    if (pending.size === 0) worker?.unref();
    if ('results' in answer) entry.resolve(answer.results);
    else entry.reject(Object.assign(new Error(answer.error.message), answer.error));
  });
  worker.on('error', (error) => giveUp(error));
  worker.on('exit', (code) => {
    if (worker) giveUp(new Error(`the ledger thread exited (code ${code})`));
  });

  return {
    write(group) {
      const running = worker;
      if (!running) return fallback.write(group);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        if (pending.size === 1) running.ref();
        running.postMessage({ id, groupJson: JSON.stringify(group) } satisfies LedgerThreadRequest);
      });
    },
    async close() {
      const running = worker;
      if (!running) return;
      worker = undefined; // from now on an exit is expected
      running.ref();
      running.postMessage({ close: true } satisfies LedgerThreadRequest);
      await exited;
    },
  };
}
