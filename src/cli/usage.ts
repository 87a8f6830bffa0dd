// `imagegate usage [--key N] [--since D] [--csv] [--json]`: usage and charges per key and model,
// read straight from the gateway's database (the request log, whose charges equal the ledger's).
import type { Command } from 'commander';
import {
  microsToUsd,
  parseSince,
  toCsv,
  UnknownKeyError,
  usageColumns,
  usageReport,
} from '../billing/usage-report.js';
import { migrateToLatest, openDatabase } from '../store/index.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { exitCodes, printJson, printTable } from './output.js';

interface UsageFlags extends CommonFlags {
  key?: string;
  since?: string;
  csv?: boolean;
  json?: boolean;
}

function fail(message: string): never {
  process.stderr.write(`imagegate: ${message}\n`);
  process.exit(exitCodes.usage);
}

export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description('usage and charges per client key and model (from the request log)')
    .option('--key <idOrName>', 'only this client key')
    .option('--since <when>', 'only requests since an ISO date, epoch ms, or an age like 24h, 7d')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .option('--config <file>', 'config file')
    .addHelpText(
      'after',
      '\nExamples:\n  $ imagegate usage\n  $ imagegate usage --key team-a --since 7d\n  $ imagegate usage --since 2026-04-01 --csv > april.csv',
    )
    .action(async (flags: UsageFlags) => {
      const since = flags.since === undefined ? undefined : parseSince(flags.since);
      if (flags.since !== undefined && since === undefined) {
        fail(`--since "${flags.since}" is not a date, epoch ms, or an age like 24h or 7d`);
      }
      const config = loadConfigOrExit(flags);
      const database = await openDatabase(config.storage.databaseUrl, config.storage.dataDir);
      try {
        await migrateToLatest(database.db);
        const rows = await usageReport(database.db, { key: flags.key, since }).catch((error: unknown) => {
          if (error instanceof UnknownKeyError) fail(error.message);
          throw error;
        });
        if (flags.csv) process.stdout.write(toCsv(rows, usageColumns));
        else if (flags.json) printJson(rows);
        else {
          printTable(
            rows.map((row) => ({ ...row, key: row.keyName ?? row.keyId ?? '-' })),
            ['key', 'model', 'requests', 'failedRequests', 'imagesOut', 'outputImageTokens', 'chargedUsd'],
          );
          const total = rows.reduce((sum, row) => sum + row.chargedMicros, 0);
          process.stdout.write(`total charged: $${microsToUsd(total)}\n`);
        }
      } finally {
        await database.close();
      }
    });
}
