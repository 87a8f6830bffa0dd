// The `imagegate` command line: one file per command, assembled here.
import { Command, CommanderError } from 'commander';
import { registerChannelsCommand } from './channels.js';
import { registerKeysCommand } from './keys.js';
import { exitCodes } from './output.js';
import { registerReportCommand } from './report.js';
import { registerRetestCommand } from './retest.js';
import { registerServeCommand } from './serve.js';
import { registerUpstreamSimCommand } from './upstream-sim.js';
import { registerUsageCommand } from './usage.js';

/** Every command, in the order `--help` lists them. */
const commands: Array<(program: Command) => void> = [
  registerServeCommand,
  registerKeysCommand,
  registerChannelsCommand,
  registerRetestCommand,
  registerReportCommand,
  registerUsageCommand,
  registerUpstreamSimCommand,
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('imagegate')
    .description('Self-hosted API gateway for image generation and editing models')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? exitCodes.ok : exitCodes.usage);
    }
    throw error;
  }
}
