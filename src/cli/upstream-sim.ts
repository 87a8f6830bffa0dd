// `imagegate upstream-sim`: run the Gemini/OpenAI upstream simulator on loopback for tests, demos and
// benchmarks; the address goes to stdout, request logs to stderr.
import { type Command, InvalidArgumentError } from 'commander';
import { faultKindsHelp, parseFault } from '../sim/faults.js';
import {
  type FaultSpec,
  type ModelList,
  type ModelListSpec,
  defaultModelList,
  readModelListFile,
  startUpstreamSim,
} from '../sim/index.js';
import { defaultModelListDate } from '../sim/default-model-list.js';
import { type Provider, providers } from '../sim/model-list.js';
import { exitCodes } from './output.js';

interface UpstreamSimFlags {
  port: number;
  host: string;
  fault: FaultSpec[];
  faultRate: number;
  apiKey?: string;
  seed: number;
  quiet?: boolean;
  models?: string;
  modelList?: Partial<Record<Provider, string[]>>;
  goneModel?: string[];
  shutdownDate?: Record<string, string>;
}

function collectFault(value: string, previous: FaultSpec[]): FaultSpec[] {
  try {
    return [...previous, parseFault(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

/** `--model-list gemini=id1,id2` (an empty list after `=` lists nothing). */
function collectModelList(
  value: string,
  previous: Partial<Record<Provider, string[]>> = {},
): Partial<Record<Provider, string[]>> {
  const [provider, ids] = splitPair(value, 'PROVIDER=ID[,ID...]');
  const known = providers.find((candidate) => candidate === provider);
  if (!known)
    throw new InvalidArgumentError(`unknown provider "${provider}" (expected ${providers.join(' or ')})`);
  const list = ids.split(',').map((id) => id.trim());
  return { ...previous, [known]: list.filter((id) => id !== '') };
}

function collectShutdownDate(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const [id, date] = splitPair(value, 'ID=YYYY-MM-DD');
  return { ...previous, [id]: date };
}

function collectString(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function splitPair(value: string, form: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected ${form}`);
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
}

function defaultIds(provider: Provider): string {
  const entries = defaultModelList[provider]?.models ?? [];
  const ids = entries.map((entry) => (typeof entry === 'string' ? entry : entry.id));
  return `${provider}: ${ids.join(', ') || 'none'}`;
}

function describeModels(models: ModelList): string {
  const gemini = models.gemini.map((model) => model.name).join(', ') || 'none';
  const openai = models.openai.map((model) => model.id).join(', ') || 'none';
  return `models: gemini ${gemini}; openai ${openai}`;
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
    .option('--models <file>', 'the model list to serve, per provider (YAML or JSON; see below)')
    .option(
      '--model-list <provider=ids>',
      "replace one provider's listed ids: gemini=ID,ID or openai=ID,ID (repeatable)",
      collectModelList,
    )
    .option(
      '--gone-model <id>',
      'a shut-down id: unlisted, and calls naming it answer 404 (repeatable)',
      collectString,
    )
    .option(
      '--shutdown-date <id=date>',
      "announce a listed id's shutdown date, YYYY-MM-DD (OpenAI shows it as shutdown_date; repeatable)",
      collectShutdownDate,
    )
    .addHelpText(
      'after',
      `
Routes: /v1beta/models/{m}:generateContent|:streamGenerateContent|:countTokens, GET /v1beta/models
(pageSize, pageToken), GET /v1beta/models/{m}, /v1beta/interactions (GET/DELETE /v1beta/interactions/{id}),
Vertex /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent,
/v1/images/generations, /v1/images/edits, /v1/responses (GET/DELETE /v1/responses/{id}),
/v1/chat/completions, GET /v1/models, GET /v1/models/{m}.
Header x-sim-image-bytes: N pads the answer's PNG to about N bytes.

Model list: by default the providers' image models as of ${defaultModelListDate}, GA ids only
(${defaultIds('gemini')}; ${defaultIds('openai')}).
A call naming an id the list does not serve answers the provider's own 404 (Gemini NOT_FOUND,
OpenAI model_not_found). --models FILE replaces the lists of the providers it names; the flags
apply after it: --model-list, then --gone-model, then --shutdown-date. A file:
  gemini:
    models:
      - gemini-3.1-flash-image
      - { id: gemini-9-flash-image, family: nano-banana-2 }   # behaves as that family
    gone: [gemini-3.1-flash-image-preview]
  openai:
    models:
      - { id: gpt-image-2, shutdownDate: 2027-06-01 }
    gone: [gpt-image-1]

Examples:
  $ imagegate upstream-sim --port 8788
  $ imagegate upstream-sim --port 8788 --fault 503 --fault-rate 0.3 --seed 7
  $ imagegate upstream-sim --fault latency:200ms --fault usage-drift:1.5
  $ imagegate upstream-sim --fault markdown-image --api-key test-key
  $ imagegate upstream-sim --models ./sim-models.yaml
  $ imagegate upstream-sim --model-list gemini=gemini-3.1-flash-image,gemini-3-pro-image-preview
  $ imagegate upstream-sim --gone-model gemini-3-pro-image --shutdown-date gpt-image-2=2027-06-01
  $ curl -s 'localhost:8788/v1beta/models?pageSize=2' -H 'x-goog-api-key: any'
  $ curl -s localhost:8788/v1beta/models/gemini-3.1-flash-image:generateContent \\
      -H 'x-goog-api-key: any' -d '{"contents":[{"parts":[{"text":"a red circle on a white background"}]}]}'`,
    )
    .action(async (flags: UpstreamSimFlags) => {
      const log = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      let sim: Awaited<ReturnType<typeof startUpstreamSim>>;
      try {
        const models: ModelListSpec | undefined = flags.models ? readModelListFile(flags.models) : undefined;
        sim = await startUpstreamSim({
          port: flags.port,
          host: flags.host,
          faults: flags.fault,
          faultRate: flags.faultRate,
          apiKey: flags.apiKey,
          seed: flags.seed,
          log,
          models,
          modelOverrides: {
            lists: flags.modelList,
            gone: flags.goneModel,
            shutdownDates: flags.shutdownDate,
          },
        });
      } catch (error) {
        process.stderr.write(
          `upstream-sim could not start: ${error instanceof Error ? error.message : error}\n`,
        );
        process.exit(exitCodes.usage);
      }
      process.stdout.write(`upstream-sim listening on ${sim.url}\n`);
      log?.(describeModels(sim.models));
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
