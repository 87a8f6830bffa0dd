// `imagegate models sync`: reads every channel's upstream model list now, records what it lists in the
// configured database (a running gateway picks it up on its next reload), and reports routed models
// the upstream dropped, image models the catalog does not know and announced shutdowns.
import type { Command } from 'commander';
import { ModelLifecycle } from '../catalog/served-model.js';
import { ModelSync, UnknownChannelError } from '../discovery/model-sync.js';
import { type SyncReport, syncTableRows } from '../discovery/sync-report.js';
import { RoutePresenceCache } from '../health/route-presence-cache.js';
import { RoutePresenceMarks } from '../health/route-presence-marks.js';
import { rememberSecrets } from '../security/known-secrets.js';
import { migrateToLatest, openDatabase } from '../store/index.js';
import { listGoneRoutes, listUpstreamModels } from '../store/route-presence.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { exitCodes, printJson, printTable } from './output.js';

interface SyncFlags extends CommonFlags {
  channel?: string;
  json?: boolean;
}

function printReport(report: SyncReport): void {
  printTable(syncTableRows(report) as unknown as Array<Record<string, unknown>>);
  const entries = report.channels.flatMap((channel) => channel.newModels);
  if (entries.length === 0) return;
  process.stdout.write(
    `\nImage models the catalog does not know. To route one, paste its entry under models: in the config\nfile and add its id to the channel's models (check every figure marked UNKNOWN first):\n\n`,
  );
  for (const entry of entries) process.stdout.write(`${entry.yaml}\n`);
}

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('the model catalog against what upstreams serve');
  models
    .command('sync')
    .description(
      "read each channel's upstream model list: mark routes whose model is gone, show new image models and announced shutdowns",
    )
    .option('--channel <name>', 'only this channel')
    .option('--config <file>', 'YAML config of channels and models (env IMAGEGATE_CONFIG)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
A routed model the upstream no longer lists is marked gone: routing skips that route ("retired
upstream") until a sync lists the model again. Shutdown dates the upstream announces (OpenAI's
shutdown_date) make the model deprecated. Vertex AI and local channels are not listable (skipped).
A running gateway reads the results within retest.verdictReloadSeconds; it also syncs on its own
(catalog.sync) and on POST /admin/models/sync.

Exit code: 0 when all is in step, 1 when a routed model is missing upstream or a channel's list
could not be read, 2 for usage or configuration errors.

Examples:
  $ imagegate models sync
  $ imagegate models sync --channel google-main
  $ imagegate models sync --json > sync.json`,
    )
    .action(async (flags: SyncFlags) => {
      const config = loadConfigOrExit(flags);
      const names = config.channels.map((channel) => channel.name);
      if (flags.channel !== undefined && !names.includes(flags.channel)) {
        process.stderr.write(`imagegate: ${new UnknownChannelError(flags.channel, names).message}\n`);
        process.exit(exitCodes.usage);
      }
      // Upstream text is scrubbed of every configured key before it is shown.
      for (const channel of config.channels) rememberSecrets(channel.apiKeys);
      const database = await openDatabase(config.storage.databaseUrl, config.storage.dataDir);
      let report: SyncReport;
      try {
        await migrateToLatest(database.db);
        // Shutdowns earlier syncs recorded count when deciding which absent models are retired already.
        const presence = new RoutePresenceCache(config.channels, async () => ({
          gone: await listGoneRoutes(database.db),
          upstreamModels: await listUpstreamModels(database.db),
        }));
        await presence.reload();
        const lifecycle = new ModelLifecycle(config.catalog, config.catalogPolicy.retired, presence);
        const sync = new ModelSync({
          channels: config.channels,
          catalog: config.catalog,
          lifecycle,
          db: database.db,
          marks: new RoutePresenceMarks(database.db, {
            onError: (error) =>
              process.stderr.write(`imagegate: could not store a route mark: ${String(error)}\n`),
          }),
          onError: (error, channel) =>
            process.stderr.write(
              `imagegate: model sync${channel ? ` of ${channel}` : ''} failed: ${String(error)}\n`,
            ),
        });
        report = await sync.run({ channel: flags.channel });
      } finally {
        await database.close();
      }
      if (flags.json) printJson(report);
      else printReport(report);
      process.exit(report.needsAction ? exitCodes.failures : exitCodes.ok);
    });
}
