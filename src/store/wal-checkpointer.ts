// Moves SQLite's WAL checkpoints off the event loop. With WAL and `synchronous = NORMAL` a commit
// does not wait for the disk, but the checkpoint that copies the log back into the database does
// (fsync), and SQLite runs it inside whichever commit crosses the threshold: on a request's
// settle. Here automatic checkpoints are off on the gateway's connection and a worker thread with
// its own connection runs a PASSIVE checkpoint (never blocks writers or readers) every interval.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    db.pragma('wal_checkpoint(' + mode + ')');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint('PASSIVE');
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(
  database: BetterSqlite3.Database,
  file: string,
  intervalMs = 1000,
  onError: (message: string) => void = () => {},
): WalCheckpointer {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(workerSource, {
    eval: true,
    // Resolved here: an eval'd worker resolves bare names from the current directory, not this package.
    workerData: { file, intervalMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.on('message', (message: { error?: string }) => {
    if (message.error) onError(message.error);
  });
  worker.on('error', (error) => {
    // Without the worker, SQLite checkpoints on commits again, as by default.
    onError(error.message);
    database.pragma('wal_autocheckpoint = 1000');
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // keep the process alive until the last checkpoint is written
      worker.postMessage('stop');
      await exited;
    },
  };
}
