// Runs retests on a jittered interval: the first run a random 0..jitter seconds after start, then
// every interval ± jitter. One run at a time (the caller's run holds the lock); stop() waits for it.

export interface RetestSchedule {
  intervalMinutes: number;
  jitterSeconds: number;
}

export interface SchedulerOptions extends RetestSchedule {
  run: () => Promise<unknown>;
  onError?: (error: unknown) => void;
  random?: () => number;
}

/** Milliseconds until the next run. Pure. */
export function nextDelayMs(schedule: RetestSchedule, first: boolean, random: () => number): number {
  const jitterMs = schedule.jitterSeconds * 1000;
  if (first) return Math.round(random() * jitterMs);
  const intervalMs = schedule.intervalMinutes * 60_000;
  return Math.max(1000, Math.round(intervalMs + (random() * 2 - 1) * jitterMs));
}

export class RetestScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(first: boolean): void {
    if (this.stopped) return;
    const delay = nextDelayMs(this.options, first, this.options.random ?? Math.random);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.options
        .run()
        .then(
          () => undefined,
          (error: unknown) => this.options.onError?.(error),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(false);
        });
    }, delay);
    this.timer.unref();
  }
}
