// Runs the ledger's group commits on a worker thread with its own SQLite connection (embedded
// SQLite only; PostgreSQL's writes already leave the event loop). A group of settles costs
// better-sqlite3 tens of microseconds a row of synchronous work; here the event loop only posts
// the group and awaits the commit, so the hot path no longer pays for the writes. Callers see the
// same contract as writeLedgerGroup: a group commits whole or its promise rejects.
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/index.js';
import type { LedgerThreadRequest } from './ledger-thread-entry.js';
import { type LedgerGroupResults, type LedgerOperation, writeLedgerGroup } from './ledger-transaction.js';

export interface LedgerThread {
  /**
   * Commits a group on the thread; once the thread has died (reported through `onExit`), on the
   * event loop through `fallback`, the gateway's own connection. The groups in flight when it died
   * are rejected: journaled settles among them are replayed by the next start, as after any failed
   * commit.
   */
  write(group: LedgerOperation[]): Promise<LedgerGroupResults>;
  /** Waits for the groups sent, then closes the thread's connection. */
  close(): Promise<void>;
}

type Pending = { resolve: (results: LedgerGroupResults) => void; reject: (error: unknown) => void };
type LedgerThreadAnswer =
  | { id: number; results: LedgerGroupResults }
  | { id: number; error: { name?: string; message: string; code?: string } };

/**
 * Compiled, the entry is a sibling .js file; run from the TypeScript sources (tsx, vitest), the
 * thread registers tsx before importing it, since a worker does not inherit its parent's loader.
 */
function spawnEntry(file: string): Worker {
  const entry = new URL(
    `./ledger-thread-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  );
  if (entry.pathname.endsWith('.js')) return new Worker(entry, { workerData: { file } });
  const tsx = tsxEsmApi();
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { file } });
}

/**
 * The group as one JSON text: a string crosses to the thread as one copy, where structured clone
 * walks every field on the event loop. A settle's JSON is the one its journal line already holds.
 */
export function groupJson(group: LedgerOperation[]): string {
  const items = group.map(
    (operation) =>
      `{"kind":"${operation.kind}","request":${('json' in operation && operation.json) || JSON.stringify(operation.request)}}`,
  );
  return `[${items.join(',')}]`;
}

/** tsx's ESM `register` module (its CommonJS twin cannot register hooks in a thread). */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}

export function startLedgerThread(
  file: string,
  fallback: Kysely<DatabaseSchema>,
  onExit: (error: Error) => void = () => {},
): LedgerThread {
  const worker = spawnEntry(file);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  let closing = false;

  const settleAll = (error: Error) => {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  worker.on('message', (answer: LedgerThreadAnswer) => {
    const waiting = pending.get(answer.id);
    pending.delete(answer.id);
    // Idle, the thread alone does not keep the process up; closing, it must until it has exited.
    if (pending.size === 0 && !closing) worker.unref();
    if ('error' in answer) {
      const { name, message, code } = answer.error;
      waiting?.reject(Object.assign(new Error(message), name ? { name } : {}, code ? { code } : {}));
    } else waiting?.resolve(answer.results);
  });
  worker.on('error', (error) => {
    failure = error;
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the ledger writer thread exited (code ${code})`);
    settleAll(failure);
    if (!closing) onExit(failure);
  });
  worker.unref();

  const send = (request: { group: string } | { close: true }): Promise<LedgerGroupResults> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref(); // a group in flight keeps the process up until it has committed
      worker.postMessage({ id, ...request } satisfies LedgerThreadRequest);
    });
  };

  return {
    write(group) {
      if (failure) return writeLedgerGroup(fallback, group);
      return send({ group: groupJson(group) });
    },
    async close() {
      if (failure) return;
      closing = true;
      await send({ close: true });
      await new Promise<void>((resolve) => {
        if (worker.threadId === -1) resolve();
        else worker.once('exit', () => resolve());
      });
    },
  };
}
