// `imagegate report`: print the dated markdown status summary from the stored retests and traffic.
import type { Command } from 'commander';
import { ModelLifecycle } from '../catalog/served-model.js';
import { collectStatus } from '../health/collect-status.js';
import { statusReportMarkdown } from '../health/report-markdown.js';
import { loadRoutePresence } from '../health/route-presence-cache.js';
import { loadConfigOrExit, type CommonFlags } from './context.js';
import { printJson } from './output.js';
import { CircuitBreakers } from '../routing/circuit-breaker.js';
import { routeChannel } from '../server/assemble.js';
import { migrateToLatest, openDatabase } from '../store/index.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('print the dated markdown status summary (as of today, the latest retest showed …)')
    .option('--config <file>', 'config file (env IMAGEGATE_CONFIG)')
    .option('--json', 'print the status document as JSON instead')
    .addHelpText(
      'after',
      `
Run \`imagegate retest\` first (or let \`imagegate serve\` retest on its schedule) for fresh results.

Examples:
  $ imagegate report
  $ imagegate report > STATUS.md
  $ imagegate report --json`,
    )
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = loadConfigOrExit(flags);
      const database = await openDatabase(config.storage.databaseUrl, config.storage.dataDir);
      try {
        await migrateToLatest(database.db);
        const channels = config.channels.map(routeChannel);
        // Gone routes and shutdowns announced by the upstreams' lists, as the last sync stored them.
        const routePresence = await loadRoutePresence(database.db, channels);
        const lifecycle = new ModelLifecycle(config.catalog, config.catalogPolicy.retired, routePresence);
        const document = await collectStatus({
          lifecycle,
          routePresence,
          channels,
          // Circuits live in the serving process; a separate command sees them all closed.
          circuits: new CircuitBreakers(config.routing.circuit),
          database,
          retests: undefined,
        });
        if (flags.json) printJson(document);
        else process.stdout.write(`${statusReportMarkdown(document)}\n`);
      } finally {
        await database.close();
      }
    });
}
