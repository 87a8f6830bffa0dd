// What a model sync reports, per channel and in sum, and whether it found something needing action
// (a routed model the upstream no longer lists, or a channel whose list could not be read). Pure.
import type { ProviderType } from '../config/types.js';

export type ChannelSyncStatus = 'synced' | 'failed' | 'not_listable' | 'skipped';

export interface ChannelSyncReport {
  channel: string;
  provider: ProviderType;
  status: ChannelSyncStatus;
  /** Why a channel failed, was skipped or is not listable, in the gateway's words. */
  reason?: string;
  /** A failed channel's upstream message, scrubbed of secrets. */
  detail?: string;
  /** Model ids the upstream listed, and entries left out as unreadable. */
  listed: number;
  unreadable: number;
  /** Routed models the upstream does not list: their routes are marked gone ("retired upstream"). */
  missing: Array<{ model: string; upstreamId: string; expected: boolean }>;
  /** Routes whose gone mark this sync cleared: the upstream lists the model again. */
  found: Array<{ model: string; upstreamId: string; cleared: string }>;
  /** Image models the upstream lists and the catalog does not know, with an entry to paste under `models:`. */
  newModels: Array<{ upstreamId: string; displayName: string | null; shutdown: string | null; yaml: string }>;
  /** Shutdown dates the upstream announces for models the channel routes. */
  shutdowns: Array<{ model: string; upstreamId: string; shutdown: string; lifecycle: string }>;
}

export interface SyncSummary {
  channels: number;
  synced: number;
  failed: number;
  notListable: number;
  skipped: number;
  /** Routed, live models the upstream no longer lists. */
  missing: number;
  newModels: number;
  shutdowns: number;
}

export interface SyncReport {
  syncedAt: string;
  channels: ChannelSyncReport[];
  summary: SyncSummary;
  /** True when a routed model is missing upstream or a channel's list could not be read. */
  needsAction: boolean;
}

export function emptyChannelReport(
  channel: string,
  provider: ProviderType,
  status: ChannelSyncStatus,
  reason?: string,
): ChannelSyncReport {
  return {
    channel,
    provider,
    status,
    ...(reason === undefined ? {} : { reason }),
    listed: 0,
    unreadable: 0,
    missing: [],
    found: [],
    newModels: [],
    shutdowns: [],
  };
}

export function summarizeSync(syncedAt: number, channels: ChannelSyncReport[]): SyncReport {
  const count = (status: ChannelSyncStatus) => channels.filter((channel) => channel.status === status).length;
  const summary: SyncSummary = {
    channels: channels.length,
    synced: count('synced'),
    failed: count('failed'),
    notListable: count('not_listable'),
    skipped: count('skipped'),
    missing: channels.reduce(
      (sum, channel) => sum + channel.missing.filter((missing) => !missing.expected).length,
      0,
    ),
    newModels: channels.reduce((sum, channel) => sum + channel.newModels.length, 0),
    shutdowns: channels.reduce((sum, channel) => sum + channel.shutdowns.length, 0),
  };
  return {
    syncedAt: new Date(syncedAt).toISOString(),
    channels,
    summary,
    needsAction: summary.failed > 0 || summary.missing > 0,
  };
}

export interface SyncTableRow {
  channel: string;
  status: ChannelSyncStatus;
  finding: string;
  model: string | null;
  upstreamId: string | null;
  note: string | null;
}

/** One row per finding (a channel with none gets one row), for a person reading a terminal. */
export function syncTableRows(report: SyncReport): SyncTableRow[] {
  const rows: SyncTableRow[] = [];
  for (const channel of report.channels) {
    const row = (finding: string, model: string | null, upstreamId: string | null, note: string | null) =>
      rows.push({ channel: channel.channel, status: channel.status, finding, model, upstreamId, note });
    if (channel.status !== 'synced') {
      const detail = channel.detail ? `: ${channel.detail}` : '';
      row('-', null, null, `${channel.reason ?? ''}${detail}` || null);
      continue;
    }
    for (const missing of channel.missing) {
      row(
        missing.expected ? 'gone (retired here)' : 'missing upstream',
        missing.model,
        missing.upstreamId,
        missing.expected
          ? 'already retired in the catalog'
          : 'route set aside until the upstream lists it again',
      );
    }
    for (const found of channel.found) {
      row('listed again', found.model, found.upstreamId, `cleared its ${found.cleared} mark`);
    }
    for (const shutdown of channel.shutdowns) {
      row('shutdown announced', shutdown.model, shutdown.upstreamId, shutdown.lifecycle);
    }
    for (const model of channel.newModels) {
      row('new image model', null, model.upstreamId, 'not in the catalog: see the entry below');
    }
    const quiet =
      channel.missing.length + channel.found.length + channel.shutdowns.length + channel.newModels.length ===
      0;
    if (quiet) row('in step', null, null, `${channel.listed} models listed`);
  }
  return rows;
}
