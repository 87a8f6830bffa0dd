// The ledger's writer thread (started by src/billing/ledger-thread.ts): its own connection to the
// gateway's SQLite file, one ledger group per message, answered with its results or its error.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteWriter } from '../store/database.js';
import { type LedgerOperation, writeLedgerGroup } from './ledger-transaction.js';

/** `group` is a JSON array of LedgerOperation (see groupJson). */
export type LedgerThreadRequest = { id: number; group: string } | { id: number; close: true };

const port = parentPort;
if (!port) throw new Error('ledger-thread-entry runs as a worker thread');
const db = openSqliteWriter((workerData as { file: string }).file);
let previous: Promise<unknown> = Promise.resolve();

port.on('message', (message: LedgerThreadRequest) => {
  // One group at a time, in the order sent.
  previous = previous.then(async () => {
    if ('close' in message) {
      await db.destroy();
      port.postMessage({ id: message.id, results: [] });
      port.close();
      return;
    }
    try {
      port.postMessage({
        id: message.id,
        results: await writeLedgerGroup(db, JSON.parse(message.group) as LedgerOperation[]),
      });
    } catch (error) {
      // Error subclasses lose their message crossing threads; their facts are sent as fields.
      const { name, message: text, code } = error as { name?: string; message?: string; code?: string };
      port.postMessage({ id: message.id, error: { name, message: text ?? String(error), code } });
    }
  });
});
