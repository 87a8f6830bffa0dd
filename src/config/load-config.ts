// Loads the gateway configuration: the YAML file (`--config` or IMAGEGATE_CONFIG, optional) with
// `${VAR}` expanded, then environment variables, then CLI flags; every problem names its line.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CatalogError, loadBuiltinCatalog, type ModelCatalog } from '../catalog/catalog.js';
import { describeIssue, formatPath, type IssuePath, issuePath } from '../catalog/describe-issue.js';
import { buildChannels } from './channels.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { isSecretField, redactProblems, secretValuesIn } from './config-secrets.js';
import { configFileSchema, maxWorkers } from './schema.js';
import type { GatewayConfig } from './types.js';
import { expandDocument, locate, parseYamlSource, type YamlSource } from './yaml-source.js';

export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** `--config`; wins over IMAGEGATE_CONFIG. */
  argvConfigPath?: string;
  /** `--port` / `--host`; win over the environment and the file. */
  flags?: { port?: number; host?: string };
  /** The catalog the file's `models:` override; the built-in one by default. */
  catalog?: ModelCatalog;
}

const defaultPort = 8787;
const defaultHost = '127.0.0.1';
const defaultDataDir = './data';
const defaultRedisKeyPrefix = 'imagegate:';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readSource(path: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ location: path, message: `cannot read the config file (${reason})` }]);
  }
  const { source, problems } = parseYamlSource(path, text);
  if (problems.length > 0) throw new ConfigError(problems);
  return source;
}

/** A whole number in [min, max] from an environment variable; a problem naming it otherwise. */
function environmentInteger(
  variable: string,
  value: string | undefined,
  range: { min: number; max: number; expected: string },
  problems: ConfigProblem[],
): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (number >= range.min && number <= range.max) return number;
  problems.push({ location: variable, message: `expected ${range.expected}, got ${JSON.stringify(value)}` });
  return undefined;
}

/** Environment variables whose values are secrets even where no config field names them. */
const secretVariables = [
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'OPENAI_API_KEY',
  'IMAGEGATE_ADMIN_KEY',
  'IMAGEGATE_BOOTSTRAP_KEY',
];

/**
 * Loads and checks the configuration. Its errors never repeat a secret: values of secret fields
 * (any shape), values put in from the environment and key-shaped words are scrubbed from them.
 */
export function loadConfig(options: LoadConfigOptions): GatewayConfig {
  const secrets = new Set<string>();
  for (const variable of secretVariables) {
    const value = options.env[variable];
    if (value) secrets.add(value);
  }
  try {
    return loadConfigWith(options, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(redactProblems(error.problems, secrets));
  }
}

function loadConfigWith(options: LoadConfigOptions, secrets: Set<string>): GatewayConfig {
  const environment = options.env;
  const configPath = nonEmpty(options.argvConfigPath) ?? nonEmpty(environment.IMAGEGATE_CONFIG);
  const source = configPath === undefined ? undefined : readSource(configPath);
  const where = (path: IssuePath, unknownKey?: string) =>
    source === undefined ? undefined : locate(source, path, unknownKey);

  let raw: unknown = {};
  let droppedApiKeys = new Map<number, string[]>();
  if (source !== undefined) {
    const expansion = expandDocument(source, environment);
    for (const value of expansion.expandedValues) secrets.add(value);
    if (expansion.problems.length > 0) throw new ConfigError(expansion.problems);
    droppedApiKeys = expansion.droppedApiKeys;
    raw = source.document.toJS() ?? {};
    for (const value of secretValuesIn(raw)) secrets.add(value);
  }

  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue): ConfigProblem[] => {
      const path = issuePath(issue);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          location: where(path, key),
          path: formatPath([...path, key]),
          message: `unknown field ${JSON.stringify(key)}`,
        }));
      }
      const message = describeIssue(issue, { hideValues: isSecretField(path) });
      return [{ location: where(path), path: formatPath(path), message }];
    });
    throw new ConfigError(problems);
  }
  const file = parsed.data;

  let catalog: ModelCatalog;
  try {
    catalog = (options.catalog ?? loadBuiltinCatalog()).withOverrides(file.models);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => {
        const path = ['models', ...issue.path];
        return { location: where(path), path: formatPath(path), message: issue.message };
      }),
    );
  }

  const { channels, problems } = buildChannels(file.channels, {
    catalog,
    environment,
    locate: (path) => where(path),
    droppedApiKeys,
  });
  const port =
    options.flags?.port ??
    environmentInteger(
      'IMAGEGATE_PORT',
      nonEmpty(environment.IMAGEGATE_PORT),
      { min: 0, max: 65535, expected: 'a port number 0-65535' },
      problems,
    ) ??
    file.server.port;
  const workersVariable = nonEmpty(environment.IMAGEGATE_WORKERS);
  const workers =
    (workersVariable === 'auto'
      ? 'auto'
      : environmentInteger(
          'IMAGEGATE_WORKERS',
          workersVariable,
          { min: 1, max: maxWorkers, expected: `a number of processes 1-${maxWorkers} or "auto"` },
          problems,
        )) ?? file.server.workers;
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...(configPath === undefined ? {} : { configPath }),
    server: {
      port: port ?? defaultPort,
      host: options.flags?.host ?? nonEmpty(environment.IMAGEGATE_HOST) ?? file.server.host ?? defaultHost,
      bodyLimitBytes: file.server.bodyLimitBytes,
      bodyMemoryBytes: file.server.bodyMemoryBytes,
      requestTimeoutMs: file.server.requestTimeoutMs,
      headersTimeoutMs: file.server.headersTimeoutMs,
      idleTimeoutMs: file.server.idleTimeoutMs,
      keepAliveTimeoutMs: file.server.keepAliveTimeoutMs,
      workers: workers === 'auto' ? Math.min(maxWorkers, availableParallelism()) : workers,
    },
    storage: {
      dataDir: nonEmpty(environment.IMAGEGATE_DATA_DIR) ?? file.storage.dataDir ?? defaultDataDir,
      databaseUrl: nonEmpty(environment.IMAGEGATE_DATABASE_URL) ?? file.storage.databaseUrl,
      redisUrl: nonEmpty(environment.IMAGEGATE_REDIS_URL) ?? file.storage.redisUrl,
      redisKeyPrefix:
        nonEmpty(environment.IMAGEGATE_REDIS_PREFIX) ?? file.storage.redisKeyPrefix ?? defaultRedisKeyPrefix,
    },
    auth: {
      adminKey: nonEmpty(environment.IMAGEGATE_ADMIN_KEY),
      bootstrapKey: nonEmpty(environment.IMAGEGATE_BOOTSTRAP_KEY),
    },
    channels,
    catalog,
    engine: file.engine,
    routing: file.routing,
    retest: file.retest,
    catalogPolicy: file.catalog,
    billing: file.billing,
    conversations: file.conversations,
  };
}
