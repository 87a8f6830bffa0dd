// Deletes expired conversation turns at start and then on an interval, so rows past their
// retention leave the database even when nobody asks for them again.

import type { ConversationStore } from './conversations.js';

export interface ConversationPurgeOptions {
  /** Between two purges; an hour by default. */
  intervalMs?: number;
  now?: () => number;
  /** Told every purge's outcome: rows removed, or the error (never thrown: the next run retries). */
  onResult: (removed: number, error?: unknown) => void;
}

/** Starts purging (the first run at once); the returned stop waits for a purge under way. */
export function startConversationPurge(
  store: Pick<ConversationStore, 'purgeExpired'>,
  { intervalMs = 3_600_000, now = Date.now, onResult }: ConversationPurgeOptions,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const purge = () => {
    // A slow purge (a large backlog on PostgreSQL) is not stacked on by the next tick.
    if (running || stopped) return;
    running = store
      .purgeExpired(now())
      .then(
        (removed) => onResult(removed),
        (error: unknown) => onResult(0, error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  purge();
  const timer = setInterval(purge, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
