// `imagegate models sync`: reads each channel's upstream model list, records it, marks routes whose
// model the upstream no longer lists as gone (and clears the mark of those listed again), and reports
// new image models and announced shutdowns. Used by the CLI, the admin API and the schedule.
import type { Kysely } from 'kysely';
import type { ModelCatalog } from '../catalog/catalog.js';
import { describeLifecycle, lifecycleOf } from '../catalog/lifecycle.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { CatalogModel } from '../catalog/schema.js';
import type { ChannelConfig } from '../config/types.js';
import type { RoutePresenceMarks } from '../health/route-presence-marks.js';
import { listerFor, type ProviderLister } from '../providers/model-listers.js';
import { ListingError, type UpstreamListing } from '../providers/model-listing.js';
import { recordUpstreamListing } from '../store/route-presence.js';
import type { DatabaseSchema } from '../store/schema.js';
import { compareListing } from './compare-listing.js';
import { newModelEntryYaml, templateModel } from './new-model-entry.js';
import { type ChannelSyncReport, emptyChannelReport, type SyncReport, summarizeSync } from './sync-report.js';

/** What a sync needs of a channel (a ChannelConfig has it all). */
export type SyncedChannel = Pick<
  ChannelConfig,
  'name' | 'provider' | 'baseUrl' | 'apiKeys' | 'authStyle' | 'models' | 'modelMap' | 'timeoutMs'
>;

export interface ModelSyncOptions {
  channels: readonly SyncedChannel[];
  catalog: ModelCatalog;
  /** Says which routed models are retired or disabled already (their absence upstream is no news). */
  lifecycle: ModelLifecycle;
  db: Kysely<DatabaseSchema>;
  marks: RoutePresenceMarks;
  /** After a sync recorded lists: the process's view reads them (absent in the CLI). */
  onRecorded?: () => Promise<void>;
  /** Something failed that is not a channel's answer (the store, a bug); the sync goes on. */
  onError?: (error: unknown, channel?: string) => void;
  /** Cap on one list call, whatever the channel's timeout (default 60 s). */
  listTimeoutMs?: number;
  now?: () => number;
}

export interface SyncFilter {
  channel?: string;
  /** Only channels with API keys (the schedule and start-up: no calls where none were configured). */
  keyedOnly?: boolean;
}

export class UnknownChannelError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`unknown channel "${name}"; configured: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownChannelError';
  }
}

/** Key failures move a list call to the channel's next key, as they move a model call. */
const keyFailureClasses = new Set(['auth', 'quota', 'rate_limited']);

const notListableReasons: Partial<Record<SyncedChannel['provider'], string>> = {
  vertex: 'not listable: Vertex AI channels have no model list this gateway reads',
  local: 'not listable: the local engine is not an upstream',
};

export class ModelSync {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ModelSyncOptions) {}

  /** Throws UnknownChannelError for a channel filter that names no channel; runs one at a time. */
  run(filter: SyncFilter = {}): Promise<SyncReport> {
    const { channels } = this.options;
    if (filter.channel !== undefined && !channels.some((channel) => channel.name === filter.channel)) {
      return Promise.reject(
        new UnknownChannelError(
          filter.channel,
          channels.map((channel) => channel.name),
        ),
      );
    }
    const next = this.queue.then(() => this.runNow(filter));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(filter: SyncFilter): Promise<SyncReport> {
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    const reports: ChannelSyncReport[] = [];
    for (const channel of this.options.channels) {
      if (filter.channel !== undefined && channel.name !== filter.channel) continue;
      reports.push(await this.syncChannel(channel, filter, startedAt));
    }
    if (reports.some((report) => report.status === 'synced')) {
      await this.options.onRecorded?.().catch((error: unknown) => this.options.onError?.(error));
    }
    return summarizeSync(startedAt, reports);
  }

  private async syncChannel(
    channel: SyncedChannel,
    filter: SyncFilter,
    syncedAt: number,
  ): Promise<ChannelSyncReport> {
    const lister = listerFor(channel.provider);
    if (!lister) {
      return emptyChannelReport(
        channel.name,
        channel.provider,
        'not_listable',
        notListableReasons[channel.provider] ?? 'not listable',
      );
    }
    if (filter.keyedOnly && channel.apiKeys.length === 0) {
      return emptyChannelReport(channel.name, channel.provider, 'skipped', 'no API keys configured');
    }
    let listing: UpstreamListing;
    try {
      listing = await this.list(channel, lister);
    } catch (error) {
      const report = emptyChannelReport(channel.name, channel.provider, 'failed');
      if (error instanceof ListingError) {
        report.reason = `the model list could not be read: ${error.message}`;
        if (error.detail) report.detail = error.detail;
      } else {
        report.reason = 'the model list could not be read: internal error (see the log)';
        this.options.onError?.(error, channel.name);
      }
      return report;
    }
    try {
      return await this.record(channel, lister, listing, syncedAt);
    } catch (error) {
      this.options.onError?.(error, channel.name);
      return emptyChannelReport(
        channel.name,
        channel.provider,
        'failed',
        'the list was read but could not be stored (see the log)',
      );
    }
  }

  /** The list, with the channel's keys in turn while the upstream refuses one. */
  private async list(channel: SyncedChannel, lister: ProviderLister): Promise<UpstreamListing> {
    const keys: Array<string | undefined> = channel.apiKeys.length > 0 ? channel.apiKeys : [undefined];
    const timeoutMs = Math.min(channel.timeoutMs, this.options.listTimeoutMs ?? 60_000);
    let lastError: unknown;
    for (const apiKey of keys) {
      try {
        return await lister.list({
          channelName: channel.name,
          baseUrl: channel.baseUrl ?? '',
          apiKey,
          authStyle: channel.authStyle,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        lastError = error;
        if (!(error instanceof ListingError) || !keyFailureClasses.has(error.errorClass)) throw error;
      }
    }
    throw lastError;
  }

  private async record(
    channel: SyncedChannel,
    lister: ProviderLister,
    listing: UpstreamListing,
    syncedAt: number,
  ): Promise<ChannelSyncReport> {
    const { catalog, lifecycle, marks } = this.options;
    const isExpectedGone = (model: CatalogModel) => {
      const status = lifecycle.lifecycle(model).status;
      return status === 'retired' || status === 'disabled';
    };
    const findings = compareListing({ channel, family: lister.family, catalog, listing, isExpectedGone });
    await recordUpstreamListing(
      this.options.db,
      channel.name,
      listing.models.map((model) => ({ upstreamId: model.upstreamId, shutdown: model.shutdown })),
      syncedAt,
    );
    const report = emptyChannelReport(channel.name, channel.provider, 'synced');
    report.listed = listing.models.length;
    report.unreadable = listing.skipped;
    const when = new Date(syncedAt).toISOString();
    for (const missing of findings.missing) {
      await marks.markGone({
        channel: channel.name,
        modelId: missing.modelId,
        upstreamId: missing.upstreamId,
        reason: 'not_listed',
        source: 'sync',
        detail: `"${missing.upstreamId}" is not in the upstream's model list (sync at ${when})`,
      });
      report.missing.push({
        model: missing.modelId,
        upstreamId: missing.upstreamId,
        expected: missing.expected,
      });
    }
    for (const present of findings.present) {
      const cleared = await marks.markFound(channel.name, present.modelId, ['not_listed', 'not_found']);
      if (cleared) report.found.push({ model: present.modelId, upstreamId: present.upstreamId, cleared });
    }
    const today = lifecycle.today();
    for (const shutdown of findings.shutdowns) {
      const model = catalog.resolve(shutdown.modelId);
      const standing = model ? describeLifecycle(lifecycleOf(model, today, shutdown.shutdown)) : 'unknown';
      report.shutdowns.push({
        model: shutdown.modelId,
        upstreamId: shutdown.upstreamId,
        shutdown: shutdown.shutdown,
        lifecycle: standing,
      });
    }
    const template = templateModel(catalog, lister.family);
    for (const listed of findings.unknownImageModels) {
      report.newModels.push({
        upstreamId: listed.upstreamId,
        displayName: listed.displayName ?? null,
        shutdown: listed.shutdown,
        yaml: newModelEntryYaml({ listed, family: lister.family, channelName: channel.name, template }),
      });
    }
    return report;
  }
}
