// The public status document, computed off the request path. /status and /status.json are open to
// anyone, and computing the document reads retests, the request log and the ledger: a visit serves
// the latest copy (JSON and HTML rendered once per copy), and a timer makes a new copy every few
// seconds, one at a time. Only the first visit after start waits for the first copy.
import type { StatusDocument } from '../health/status-model.js';

export interface StatusCopy {
  document: StatusDocument;
  json: string;
  html: string;
}

export interface StatusCacheOptions {
  /** Computes the document (queries the store). */
  collect: () => Promise<StatusDocument>;
  render: (document: StatusDocument) => string;
  refreshEveryMs: number;
  onError: (error: unknown) => void;
}

export class StatusCache {
  private latest: StatusCopy | undefined;
  private inFlight: Promise<StatusCopy> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Documents computed so far. */
  refreshes = 0;

  constructor(private readonly options: StatusCacheOptions) {}

  /** The latest copy; the first call waits for the first one and starts the timer. */
  async current(): Promise<StatusCopy> {
    if (this.latest) return this.latest;
    const copy = await this.refresh();
    this.startTimer();
    return copy;
  }

  /** Computes a new copy, or joins the one being computed. */
  refresh(): Promise<StatusCopy> {
    this.inFlight ??= this.compute().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async compute(): Promise<StatusCopy> {
    const document = await this.options.collect();
    this.refreshes += 1;
    this.latest = { document, json: JSON.stringify(document), html: this.options.render(document) };
    return this.latest;
  }

  private startTimer(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      this.refresh().catch(this.options.onError);
    }, this.options.refreshEveryMs);
    // The process may exit while the status is still being refreshed.
    this.timer.unref();
  }
}
