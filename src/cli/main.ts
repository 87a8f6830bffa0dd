// The `imagegate` command line: one file per command, assembled here.
import { Command, CommanderError } from 'commander';
import { exitCodes } from './output.js';

type Register = (program: Command) => void;

/** Every command, in the order `--help` lists them, loaded when used. */
const commands: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve.js')).registerServeCommand,
  keys: async () => (await import('./keys.js')).registerKeysCommand,
  channels: async () => (await import('./channels.js')).registerChannelsCommand,
  retest: async () => (await import('./retest.js')).registerRetestCommand,
  models: async () => (await import('./models.js')).registerModelsCommand,
  report: async () => (await import('./report.js')).registerReportCommand,
  usage: async () => (await import('./usage.js')).registerUsageCommand,
  'upstream-sim': async () => (await import('./upstream-sim.js')).registerUpstreamSimCommand,
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command('imagegate')
    .description('Self-hosted API gateway for image generation and editing models')
    .showHelpAfterError()
    .exitOverride();
  // Only the command named loads its modules (the primary of `serve` with workers stays small);
  // anything else (`--help`, a typo) gets them all, so help lists every command.
  const named = argv[2];
  const chosen = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands);
  for (const name of chosen) (await commands[name]())(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? exitCodes.ok : exitCodes.usage);
    }
    throw error;
  }
}
