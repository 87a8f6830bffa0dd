// Hostile soak run: ordinary traffic on every door beside each known attack at a low rate, against
// `imagegate serve` in a child process; exits 1 unless every check holds (see docs/security.md, "Soak").
// Usage: npm run soak -- [--duration 180] [--concurrency 2] [--fault-rate 0.2] [--summary FILE] [--only SCENARIO]
//   [--postgres postgres://postgres@127.0.0.1:5432/test]
import { writeFileSync } from 'node:fs';
import { runSoak, type SoakOptions } from './soak/run.js';

interface CommandLine extends SoakOptions {
  summaryPath?: string;
}

export function parseOptions(argv: readonly string[]): CommandLine {
  const options: CommandLine = { durationSeconds: 180, faultRate: 0.2, concurrency: 2 };
  for (let index = 0; index < argv.length; index += 2) {
    const [name, text] = [argv[index], argv[index + 1]];
    if (text === undefined) throw new Error(`${name} needs a value`);
    if (name === '--summary' || name === '--only' || name === '--postgres') {
      if (name === '--summary') options.summaryPath = text;
      else if (name === '--only') options.only = text;
      else options.postgresUrl = text;
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
    if (name === '--duration') options.durationSeconds = value;
    else if (name === '--fault-rate') options.faultRate = Math.min(1, value);
    else if (name === '--concurrency') options.concurrency = Math.floor(value);
    else throw new Error(`unknown option ${name}`);
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseOptions(
    process.argv.slice(process.argv.findIndex((argument) => argument.endsWith('soak.ts')) + 1),
  );
  const { checks, report } = await runSoak(options, (line) => process.stderr.write(`soak: ${line}\n`));
  process.stdout.write(report);
  if (options.summaryPath) writeFileSync(options.summaryPath, report);
  return checks.every((check) => check.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
