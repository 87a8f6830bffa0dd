// `imagegate channels`: the configured channels with the state the gateway last recorded for each
// route (circuit, consecutive failures, last error class) from the channel_state table.
import type { Command } from 'commander';
import type { ChannelConfig } from '../config/index.js';
import { demotionsFrom, demotionText, type RouteDemotion } from '../health/route-demotions.js';
import { migrateToLatest, openDatabase } from '../store/index.js';
import { latestRetestVerdicts } from '../store/retest-results.js';
import { listGoneRoutes } from '../store/route-presence.js';
import type { GoneRoute } from '../health/route-presence.js';
import { goneRouteOf, goneText } from '../health/route-presence-cache.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { printJson, printTable } from './output.js';

function routing(gone: GoneRoute | undefined, demotion: RouteDemotion | undefined): string {
  if (gone) return goneText(gone);
  return demotion ? demotionText(demotion) : 'serving';
}

export function registerChannelsCommand(program: Command): void {
  program
    .command('channels')
    .description(
      'list channels and the live state of each route (circuit, retest demotion, last error class)',
    )
    .option('--config <file>', 'YAML config of channels and models (env IMAGEGATE_CONFIG)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
The state is what the running gateway(s) last wrote (about once a second); for the in-memory view
of one process use GET /admin/channels.

Examples:
  $ imagegate channels
  $ IMAGEGATE_CONFIG=imagegate.yaml imagegate channels --json`,
    )
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = loadConfigOrExit(flags);
      const database = await openDatabase(config.storage.databaseUrl, config.storage.dataDir);
      try {
        await migrateToLatest(database.db);
        const states = await database.db.selectFrom('channel_state').selectAll().execute();
        const demotions = demotionsFrom(await latestRetestVerdicts(database.db, { since: 0 }));
        const goneRoutes = (await listGoneRoutes(database.db)).map(goneRouteOf);
        const rows = config.channels.flatMap((channel: ChannelConfig) =>
          channel.models.map((model: string) => {
            const routeStates = states.filter(
              (state) => state.channel === channel.name && state.model === model,
            );
            const latestError = routeStates
              .filter((state) => state.last_error_at !== null)
              .sort((left, right) => Number(right.last_error_at) - Number(left.last_error_at))[0];
            return {
              channel: channel.name,
              provider: channel.provider,
              priority: channel.priority,
              weight: channel.weight,
              model,
              upstreamModel: channel.modelMap[model] ?? model,
              keys: channel.apiKeys.length,
              circuit: routeStates[0]?.circuit ?? 'closed',
              routing: routing(
                goneRoutes.find((route) => route?.channel === channel.name && route.modelId === model),
                demotions.get(`${channel.name}\u0000${model}`),
              ),
              lastErrorClass: latestError?.last_error_class ?? null,
              lastErrorAt: latestError?.last_error_at
                ? new Date(Number(latestError.last_error_at)).toISOString()
                : null,
            };
          }),
        );
        if (flags.json) printJson(rows);
        else printTable(rows);
      } finally {
        await database.close();
      }
    });
}
