// Runs the model sync at start-up and every `catalog.sync.intervalMinutes`, over the channels that have
// API keys. Never blocks the caller and never throws: a failed run is reported and the next one comes.
import type { ModelSync } from './model-sync.js';
import type { SyncReport } from './sync-report.js';

export interface SyncScheduleOptions {
  sync: Pick<ModelSync, 'run'>;
  config: { enabled: boolean; intervalMinutes: number; onStart: boolean };
  /** Whether any listable channel has keys; without one there is nothing to run. */
  hasKeyedChannels: boolean;
  onReport: (report: SyncReport) => void;
  onError: (error: unknown) => void;
}

/** Starts the schedule; returns its stop. */
export function startSyncSchedule(options: SyncScheduleOptions): () => void {
  const { config } = options;
  if (!config.enabled || !options.hasKeyedChannels) return () => {};
  let stopped = false;
  const runOnce = () => {
    if (stopped) return;
    options.sync
      .run({ keyedOnly: true })
      .then((report) => {
        if (!stopped) options.onReport(report);
      })
      .catch((error: unknown) => options.onError(error));
  };
  const first = config.onStart ? setTimeout(runOnce, 0) : undefined;
  first?.unref();
  const timer = setInterval(runOnce, config.intervalMinutes * 60_000);
  timer.unref();
  return () => {
    stopped = true;
    if (first) clearTimeout(first);
    clearInterval(timer);
  };
}
