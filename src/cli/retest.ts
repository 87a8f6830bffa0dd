// `imagegate retest`: start the gateway in-process on a loopback port with the configured database,
// run the semantic retests through the front doors, store and print the results.
import type { Command } from 'commander';
import { allRetestDoors, isRetestDoor, type RetestDoor } from '../health/retest-outcome.js';
import { RetestFilterError } from '../health/retest-plan.js';
import { type RetestResult, summarizeRun } from '../health/retest-runner.js';
import type { RetestService } from '../health/retest-service.js';
import { createGateway } from '../server/assemble.js';
import { createLogger } from '../security/logger.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { exitCodes, printJson, printTable } from './output.js';

interface RetestFlags extends CommonFlags {
  model?: string;
  channel?: string;
  door?: string[];
  json?: boolean;
}

function usageError(message: string): never {
  process.stderr.write(`imagegate: ${message}\n`);
  process.exit(exitCodes.usage);
}

function resultView(result: RetestResult) {
  return {
    model: result.model,
    channel: result.channel,
    door: result.door,
    outcome: result.doorAvailable ? result.outcome : `${result.outcome} (door not in this build)`,
    latencyMs: result.latencyMs,
    tokens: result.usage?.totalTokens ?? null,
    billedUsd: result.billedMicros === null ? null : result.billedMicros / 1e6,
    why: result.reasons.join('; ') || null,
  };
}

function collectDoor(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((door) => door.trim())];
}

export function registerRetestCommand(program: Command): void {
  program
    .command('retest')
    .description('run the semantic retest (blue background, square kept) on every routed model now')
    .option('--model <id>', 'only this model (id or alias)')
    .option('--channel <name>', 'only this channel')
    .option('--door <door>', `only this front door: ${allRetestDoors.join(', ')} (repeatable)`, collectDoor)
    .option('--config <file>', 'config file (env IMAGEGATE_CONFIG)')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      `
Exit code: 0 when every retest passed, 1 when any failed, 2 for usage or configuration errors.

Examples:
  $ imagegate retest
  $ imagegate retest --model nano-banana-2 --channel google-main --door gemini
  $ imagegate retest --model local-image-edit --door openai-responses
  $ imagegate retest --door gemini-interactions --door gemini
  $ imagegate retest --json > retest.json`,
    )
    .action(async (flags: RetestFlags) => {
      const doors = flags.door?.map((door) =>
        isRetestDoor(door) ? door : usageError(`unknown door "${door}"; use ${allRetestDoors.join(', ')}`),
      );
      const config = loadConfigOrExit(flags);
      const running = await createGateway(config, {
        logger: createLogger(process.env.IMAGEGATE_LOG_LEVEL ?? 'warn'),
      });
      if (running.createdBootstrapKey && !config.auth.bootstrapKey) {
        process.stderr.write(
          `bootstrap client key (shown once, store it now): ${running.createdBootstrapKey}\n`,
        );
      }
      let results: RetestResult[];
      try {
        await running.app.listen({ port: 0, host: '127.0.0.1' });
        results = await runWithProgress(running.gateway.retests, flags, doors);
      } catch (error) {
        await running.close();
        if (error instanceof RetestFilterError) usageError(error.message);
        throw error;
      }
      await running.close();
      if (flags.json) printJson({ results, summary: summarizeRun(results) });
      else printTable(results.map(resultView));
      const summary = summarizeRun(results);
      if (summary.skippedDoors > 0) {
        process.stderr.write(
          `note: ${summary.skippedDoors} retest(s) hit a front door this build does not serve\n`,
        );
      }
      process.exit(summary.failed > 0 ? exitCodes.failures : exitCodes.ok);
    });
}

async function runWithProgress(
  service: RetestService | undefined,
  flags: RetestFlags,
  doors: RetestDoor[] | undefined,
): Promise<RetestResult[]> {
  if (!service) throw new Error('the gateway was assembled without its retest service');
  const live = process.stderr.isTTY === true;
  const results = await service.run(
    { model: flags.model, channel: flags.channel, doors },
    (result, index, total) => {
      if (!live) return;
      const line = `retest ${index + 1}/${total}: ${result.model} · ${result.channel} · ${result.door} → ${result.outcome}`;
      process.stderr.write(`\r\x1b[2K${line}`);
    },
  );
  if (live) process.stderr.write('\r\x1b[2K');
  return results;
}
