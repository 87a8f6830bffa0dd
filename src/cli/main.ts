// The `imagegate` command line: one file per command, assembled here.
import { Command, CommanderError } from 'commander';
import { registerChannelsCommand } from './channels.js';
import { registerKeysCommand } from './keys.js';
import { exitCodes } from './output.js';
import { registerServeCommand } from './serve.js';

/** Commands added by other modules (upstream-sim, retest, report, usage) register here. */
export type CommandRegistrar = (program: Command) => void;

export async function loadRegistrars(): Promise<CommandRegistrar[]> {
  const optional = [
    ['./upstream-sim.js', 'registerUpstreamSimCommand'],
    ['./retest.js', 'registerRetestCommand'],
    ['./report.js', 'registerReportCommand'],
    ['./usage.js', 'registerUsageCommand'],
  ] as const;
  const registrars: CommandRegistrar[] = [registerServeCommand, registerKeysCommand, registerChannelsCommand];
  for (const [path, name] of optional) {
    const module = (await import(path).catch((error: { code?: string; message?: string }) => {
      // Only a command that is not part of this build is skipped; a broken one must fail loudly.
      if (error.code === 'ERR_MODULE_NOT_FOUND' && error.message?.includes(path.slice(2, -3)))
        return undefined;
      throw error;
    })) as Record<string, CommandRegistrar> | undefined;
    if (module?.[name]) registrars.push(module[name]);
  }
  return registrars;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('imagegate')
    .description('Self-hosted API gateway for image generation and editing models')
    .showHelpAfterError()
    .exitOverride();
  for (const register of await loadRegistrars()) register(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? exitCodes.ok : exitCodes.usage);
    }
    throw error;
  }
}
