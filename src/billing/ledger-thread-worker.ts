// The ledger thread itself: its own connection to the SQLite file, one transaction per group the
// gateway posts, answered with the group's results or the error that rolled it back.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection, sqliteKysely } from '../store/database.js';
import type { LedgerThreadAnswer, LedgerThreadRequest } from './ledger-thread.js';
import { type LedgerOperation, writeLedgerGroup } from './ledger-transaction.js';

const port = parentPort;
if (!port) throw new Error('ledger-thread-worker runs as a worker thread');

const connection = openSqliteConnection((workerData as { file: string }).file);
// Checkpoints belong to the checkpoint thread (src/store/wal-checkpointer.ts), not to a commit.
connection.pragma('wal_autocheckpoint = 0');
const db = sqliteKysely(connection);

port.on('message', async (message: LedgerThreadRequest) => {
  if ('close' in message) {
    await db.destroy();
    port.close();
    return;
  }
  let answer: LedgerThreadAnswer;
  try {
    const group = JSON.parse(message.groupJson) as LedgerOperation[];
    answer = { id: message.id, results: await writeLedgerGroup(db, group) };
  } catch (error) {
    const { name, message: text, code } = error as Error & { code?: string };
    answer = { id: message.id, error: { name, message: text, code } };
  }
  port.postMessage(answer);
});
