// `imagegate keys create|list|revoke`: manage client keys directly in the gateway's database.
import type { Command } from 'commander';
import {
  createClientKey,
  listClientKeys,
  migrateToLatest,
  openDatabase,
  revokeClientKey,
} from '../store/index.js';
import { keyRate, keyRateRange, spendLimitMicros, spendLimitRange } from '../billing/key-limits.js';
import type { GatewayConfig } from '../config/index.js';
import { keyView } from '../store/key-view.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { exitCodes, printJson, printTable } from './output.js';

async function withDatabase<T>(
  flags: CommonFlags,
  work: (db: Awaited<ReturnType<typeof openDatabase>>['db'], config: GatewayConfig) => Promise<T>,
) {
  const config = loadConfigOrExit(flags);
  const database = await openDatabase(config.storage.databaseUrl, config.storage.dataDir);
  try {
    await migrateToLatest(database.db);
    return await work(database.db, config);
  } finally {
    await database.close();
  }
}

/** `--models a,b`: ids or aliases, stored as the catalog's ids (an alias must allow its model). */
function canonicalModelIds(list: string, config: GatewayConfig): string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      const model = config.catalog.resolve(name);
      if (!model) {
        const close = config.catalog.closeIds(name);
        process.stderr.write(
          `imagegate: unknown model "${name}" in --models${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}\n`,
        );
        process.exit(exitCodes.usage);
      }
      return model.id;
    });
}

/** A flag's value checked by `parse`; a bad one exits 2 naming the flag and the allowed range. */
function checkedFlag(
  value: string,
  name: string,
  parse: (text: string) => number | undefined,
  range: string,
): number {
  const parsed = parse(value);
  if (parsed === undefined) {
    process.stderr.write(`imagegate: ${name} must be ${range}, got "${value}"\n`);
    process.exit(exitCodes.usage);
  }
  return parsed;
}

function expiryDate(value: string): number {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    process.stderr.write(
      `imagegate: --expires must be an ISO 8601 date such as 2027-01-31, got "${value}"\n`,
    );
    process.exit(exitCodes.usage);
  }
  return parsed;
}

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage client keys (stored hashed; a new key is shown once)');
  keys
    .command('create')
    .description('create a client key and print it once')
    .requiredOption('--name <name>', 'a unique name for the key')
    .option('--models <ids>', 'comma-separated model ids this key may call (default: all)')
    .option('--spend-limit-usd <usd>', 'stop serving once this much has been charged')
    .option('--controlled', 'opt in to models in controlled testing (e.g. gemini-2.5-flash-image)')
    .option('--requests-per-minute <n>', 'requests per minute limit')
    .option('--images-per-minute <n>', 'images per minute limit')
    .option('--concurrency <n>', 'requests in flight at once')
    .option('--expires <date>', 'expiry date (ISO 8601)')
    .option('--config <file>', 'config file')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ imagegate keys create --name team-a --models nano-banana-2 --spend-limit-usd 25\n  $ imagegate keys create --name qa --controlled --json',
    )
    .action(async (flags: CommonFlags & Record<string, string | boolean | undefined>) => {
      const created = await withDatabase(flags, async (db, config) => {
        try {
          return await createClientKey(db, {
            name: String(flags.name),
            models: typeof flags.models === 'string' ? canonicalModelIds(flags.models, config) : null,
            spendLimitMicros:
              typeof flags.spendLimitUsd === 'string'
                ? checkedFlag(flags.spendLimitUsd, '--spend-limit-usd', spendLimitMicros, spendLimitRange)
                : null,
            controlled: flags.controlled === true,
            requestsPerMinute:
              typeof flags.requestsPerMinute === 'string'
                ? checkedFlag(flags.requestsPerMinute, '--requests-per-minute', keyRate, keyRateRange)
                : null,
            imagesPerMinute:
              typeof flags.imagesPerMinute === 'string'
                ? checkedFlag(flags.imagesPerMinute, '--images-per-minute', keyRate, keyRateRange)
                : null,
            concurrencyLimit:
              typeof flags.concurrency === 'string'
                ? checkedFlag(flags.concurrency, '--concurrency', keyRate, keyRateRange)
                : null,
            expiresAt: typeof flags.expires === 'string' ? expiryDate(flags.expires) : null,
          });
        } catch (error) {
          process.stderr.write(`imagegate: ${(error as Error).message}\n`);
          process.exit(exitCodes.usage);
        }
      });
      if (flags.json) printJson({ ...keyView(created.record), key: created.key });
      else process.stdout.write(`${created.key}\n`);
      process.stderr.write(
        `created key "${created.record.name}" (id ${created.record.id}); it is not shown again\n`,
      );
    });
  keys
    .command('list')
    .description('list client keys (never the keys themselves)')
    .option('--all', 'include revoked keys')
    .option('--config <file>', 'config file')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ imagegate keys list\n  $ imagegate keys list --all --json')
    .action(async (flags: CommonFlags & { all?: boolean; json?: boolean }) => {
      const records = await withDatabase(flags, (db) =>
        listClientKeys(db, { includeRevoked: flags.all === true }),
      );
      const views = records.map(keyView);
      if (flags.json) printJson(views);
      else
        printTable(views, [
          'name',
          'id',
          'prefix',
          'models',
          'spendLimitUsd',
          'spentUsd',
          'controlled',
          'revokedAt',
        ]);
    });
  keys
    .command('revoke <idOrName>')
    .description('revoke a client key; it stops working at once')
    .option('--config <file>', 'config file')
    .addHelpText('after', '\nExamples:\n  $ imagegate keys revoke team-a')
    .action(async (idOrName: string, flags: CommonFlags) => {
      const record = await withDatabase(flags, (db) => revokeClientKey(db, idOrName));
      if (!record) {
        process.stderr.write(`imagegate: no key with id or name "${idOrName}"\n`);
        process.exit(exitCodes.failures);
      }
      process.stdout.write(`revoked ${record.name} (${record.id})\n`);
    });
}
