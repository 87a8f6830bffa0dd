// `imagegate upstream-sim`: run the Gemini/OpenAI upstream simulator on loopback for tests, demos and
// benchmarks; the address goes to stdout, request logs to stderr.
import { type Command, InvalidArgumentError } from 'commander';
import { faultKindsHelp, parseFault } from '../sim/faults.js';
import { type FaultSpec, startUpstreamSim } from '../sim/index.js';
import { exitCodes } from './output.js';

interface UpstreamSimFlags {
  port: number;
  host: string;
  fault: FaultSpec[];
  faultRate: number;
  apiKey?: string;
  seed: number;
  quiet?: boolean;
}

function collectFault(value: string, previous: FaultSpec[]): FaultSpec[] {
  try {
    return [...previous, parseFault(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function number(minimum: number, maximum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < minimum || parsed > maximum) {
      throw new InvalidArgumentError(`expected a number from ${minimum} to ${maximum}`);
    }
    return parsed;
  };
}

export function registerUpstreamSimCommand(program: Command): void {
  program
    .command('upstream-sim')
    .description('run a Gemini-native and OpenAI-compatible upstream simulator backed by the local engine')
    .option('--port <port>', 'port to listen on (0 picks a free one)', number(0, 65535), 8788)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--fault <kind>', `inject a fault (repeatable): ${faultKindsHelp.join(', ')}`, collectFault, [])
    .option('--fault-rate <rate>', 'share of model requests the faults hit (0..1)', number(0, 1), 1)
    .option('--api-key <key>', 'accept only this API key / bearer token (default: any key)')
    .option('--seed <n>', 'seed of the fault sampler (reproducible --fault-rate)', number(0, 2 ** 32 - 1), 1)
    .option('--quiet', 'do not log each request to stderr')
    .addHelpText(
      'after',
      `
Routes: /v1beta/models/{m}:generateContent|:streamGenerateContent|:countTokens, GET /v1beta/models,
Vertex /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent,
/v1/images/generations, /v1/images/edits, /v1/chat/completions. Header x-sim-image-bytes: N pads
the answer's PNG to about N bytes.

Examples:
  $ imagegate upstream-sim --port 8788
  $ imagegate upstream-sim --port 8788 --fault 503 --fault-rate 0.3 --seed 7
  $ imagegate upstream-sim --fault latency:200ms --fault usage-drift:1.5
  $ imagegate upstream-sim --fault markdown-image --api-key test-key
  $ curl -s localhost:8788/v1beta/models/gemini-3.1-flash-image-preview:generateContent \\
      -H 'x-goog-api-key: any' -d '{"contents":[{"parts":[{"text":"a red circle on a white background"}]}]}'`,
    )
    .action(async (flags: UpstreamSimFlags) => {
      const log = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      let sim: Awaited<ReturnType<typeof startUpstreamSim>>;
      try {
        sim = await startUpstreamSim({
          port: flags.port,
          host: flags.host,
          faults: flags.fault,
          faultRate: flags.faultRate,
          apiKey: flags.apiKey,
          seed: flags.seed,
          log,
        });
      } catch (error) {
        process.stderr.write(
          `upstream-sim could not start: ${error instanceof Error ? error.message : error}\n`,
        );
        process.exit(exitCodes.usage);
      }
      process.stdout.write(`upstream-sim listening on ${sim.url}\n`);
      if (flags.fault.length > 0) {
        const kinds = flags.fault.map((fault) => JSON.stringify(fault)).join(', ');
        process.stderr.write(`faults: ${kinds} at rate ${flags.faultRate}\n`);
      }
      const stop = async () => {
        await sim.close();
        process.exit(exitCodes.ok);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
