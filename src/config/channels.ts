// Turns the file's channel entries into ChannelConfig (provider defaults, aliases resolved, models
// checked against the catalog) and adds the default channels implied by the environment.
import type { ModelCatalog } from '../catalog/catalog.js';
import type { ModelFamily, UpstreamFamily } from '../catalog/schema.js';
import { formatPath, type IssuePath } from '../catalog/describe-issue.js';
import type { ConfigProblem } from './config-error.js';
import { buildResponsesModels } from './responses-models.js';
import type { ChannelFileEntry } from './schema.js';
import {
  type AuthStyle,
  type ChannelConfig,
  interactionsProviders,
  type ProviderType,
  type VertexChannelConfig,
} from './types.js';

type Environment = Readonly<Record<string, string | undefined>>;

export interface ChannelContext {
  catalog: ModelCatalog;
  environment: Environment;
  /** `file:line:column` for a path in the config file. */
  locate: (path: IssuePath) => string | undefined;
  /** Channel index → variables whose empty expansion dropped an API key. */
  droppedApiKeys: ReadonlyMap<number, string[]>;
}

const defaultBaseUrls: Partial<Record<ProviderType, string>> = {
  gemini: 'https://generativelanguage.googleapis.com',
  openai: 'https://api.openai.com',
};

const defaultAuthStyles: Record<ProviderType, AuthStyle> = {
  gemini: 'header',
  'gemini-compatible': 'header',
  vertex: 'bearer',
  openai: 'bearer',
  'openai-compatible': 'bearer',
  local: 'header',
};

/** The family a provider speaks natively: its models when a channel lists none. */
const providerFamilies: Record<ProviderType, ModelFamily> = {
  gemini: 'gemini',
  vertex: 'gemini',
  'gemini-compatible': 'gemini',
  openai: 'openai',
  'openai-compatible': 'openai',
  local: 'local',
};

/** Which of a model's `upstreamIds` a provider calls (local calls the engine by catalog id). */
const upstreamFamilies: Record<ProviderType, UpstreamFamily | undefined> = {
  gemini: 'gemini',
  'gemini-compatible': 'gemini',
  vertex: 'vertex',
  openai: 'openai',
  'openai-compatible': 'openai',
  local: undefined,
};

/**
 * The listed models and each one's successors: a channel that served a model serves whatever
 * replaces it once it is retired (the catalog's successor), under the successor's own upstream id.
 */
function withSuccessors(catalog: ModelCatalog, models: readonly string[]): string[] {
  const served = [...models];
  for (const id of models) {
    const model = catalog.resolve(id);
    if (model === undefined) continue;
    for (const next of catalog.successorsOf(model)) if (!served.includes(next.id)) served.push(next.id);
  }
  return served;
}

/** The channel's explicit modelMap over the catalog's upstream ids for its provider family. */
function upstreamNames(
  catalog: ModelCatalog,
  provider: ProviderType,
  models: readonly string[],
  explicit: Readonly<Record<string, string>>,
): Record<string, string> {
  const family = upstreamFamilies[provider];
  const names: Record<string, string> = {};
  for (const id of models) {
    const upstreamId = family === undefined ? undefined : catalog.resolve(id)?.upstreamIds[family];
    if (upstreamId !== undefined && upstreamId !== id) names[id] = upstreamId;
  }
  return { ...names, ...explicit };
}

const providersNeedingKeys: ReadonlySet<ProviderType> = new Set([
  'gemini',
  'openai',
  'gemini-compatible',
  'openai-compatible',
]);

const localModelId = 'local-image-edit';

function familyModels(catalog: ModelCatalog, family: ModelFamily): string[] {
  return catalog
    .list()
    .filter((model) => model.family === family)
    .map((model) => model.id);
}

function vertexBaseUrl(location: string): string {
  return location === 'global'
    ? 'https://aiplatform.googleapis.com'
    : `https://${location}-aiplatform.googleapis.com`;
}

function unknownModelMessage(catalog: ModelCatalog, name: string): string {
  const close = catalog.closeIds(name);
  const hint = close.length > 0 ? `; did you mean ${close.join(', ')}?` : '';
  return `unknown model ${JSON.stringify(name)}${hint}`;
}

function buildChannel(
  entry: ChannelFileEntry,
  index: number,
  context: ChannelContext,
  problems: ConfigProblem[],
): ChannelConfig {
  const report = (path: IssuePath, message: string) => {
    const fullPath = ['channels', index, ...path];
    problems.push({ location: context.locate(fullPath), path: formatPath(fullPath), message });
  };
  const { catalog, environment } = context;
  const provider = entry.provider;

  let baseUrl = entry.baseUrl ?? defaultBaseUrls[provider];
  if (provider === 'gemini-compatible' || provider === 'openai-compatible') {
    if (entry.baseUrl === undefined) report(['baseUrl'], `required for provider ${provider}`);
  }
  if (provider === 'local' && entry.baseUrl !== undefined)
    report(['baseUrl'], 'a local channel has no baseUrl');

  let vertex: VertexChannelConfig | undefined;
  if (provider === 'vertex') {
    if (entry.vertex === undefined) {
      report(['vertex'], 'required for provider vertex: {project, location, credentialsFile?}');
    } else {
      const credentialsFile = entry.vertex.credentialsFile ?? environment.GOOGLE_APPLICATION_CREDENTIALS;
      if (credentialsFile === undefined || credentialsFile === '') {
        report(['vertex', 'credentialsFile'], 'required (or set GOOGLE_APPLICATION_CREDENTIALS)');
      }
      vertex = { ...entry.vertex, credentialsFile: credentialsFile ?? '' };
      baseUrl ??= vertexBaseUrl(entry.vertex.location);
    }
  } else if (entry.vertex !== undefined) {
    report(['vertex'], `only a vertex channel takes vertex settings, this one is ${provider}`);
  }

  if (entry.api === 'interactions' && !interactionsProviders.includes(provider)) {
    report(
      ['api'],
      `api interactions is for providers ${interactionsProviders.join(' and ')}, this channel is ${provider}`,
    );
  } else if (entry.api === 'interactions' && entry.authStyle === 'query') {
    // The Interactions API takes its key in a header; a key in the URL ends up in proxies' logs.
    report(['authStyle'], 'api interactions sends the key as x-goog-api-key (header) or bearer, not query');
  }

  const dropped = context.droppedApiKeys.get(index);
  if (entry.apiKeys.length === 0 && providersNeedingKeys.has(provider)) {
    if (dropped !== undefined) {
      const variables = dropped.length > 0 ? ` (${[...new Set(dropped)].join(', ')} not set)` : '';
      report(['apiKeys'], `channel ${entry.name} has no API keys left${variables}`);
    } else if (provider === 'gemini' || provider === 'openai') {
      report(['apiKeys'], `provider ${provider} needs at least one API key`);
    }
  }

  const models: string[] = [];
  const listed = entry.models ?? familyModels(catalog, providerFamilies[provider]);
  listed.forEach((name, modelIndex) => {
    const model = catalog.resolve(name);
    if (model === undefined) report(['models', modelIndex], unknownModelMessage(catalog, name));
    else if (!models.includes(model.id)) models.push(model.id);
  });

  const modelMap: Record<string, string> = {};
  for (const [publicName, upstreamName] of Object.entries(entry.modelMap)) {
    const model = catalog.resolve(publicName);
    if (model === undefined) report(['modelMap', publicName], unknownModelMessage(catalog, publicName));
    else if (!models.includes(model.id)) {
      report(['modelMap', publicName], `model ${model.id} is not in this channel's models`);
    } else modelMap[model.id] = upstreamName;
  }

  return {
    name: entry.name,
    provider,
    ...(baseUrl === undefined ? {} : { baseUrl: baseUrl.replace(/\/+$/, '') }),
    apiKeys: entry.apiKeys,
    authStyle: entry.authStyle ?? defaultAuthStyles[provider],
    api: entry.api,
    models: withSuccessors(catalog, models),
    modelMap: upstreamNames(catalog, provider, withSuccessors(catalog, models), modelMap),
    priority: entry.priority,
    weight: entry.weight,
    timeoutMs: entry.timeoutMs,
    pinForRetest: entry.pinForRetest,
    ...(vertex === undefined ? {} : { vertex }),
    responsesModels: buildResponsesModels(entry.responsesModels, provider, catalog, report),
    origin: 'file',
  };
}

function uniqueName(preferred: string, taken: ReadonlySet<string>): string {
  if (!taken.has(preferred)) return preferred;
  let suffix = 2;
  while (taken.has(`${preferred}-${suffix}`)) suffix++;
  return `${preferred}-${suffix}`;
}

function defaultChannel(
  catalog: ModelCatalog,
  name: string,
  provider: ProviderType,
  models: string[],
  apiKeys: string[] = [],
): ChannelConfig {
  return {
    name,
    provider,
    ...(defaultBaseUrls[provider] === undefined ? {} : { baseUrl: defaultBaseUrls[provider] }),
    apiKeys,
    authStyle: defaultAuthStyles[provider],
    api: 'generateContent',
    models,
    modelMap: upstreamNames(catalog, provider, models, {}),
    priority: 0,
    weight: 1,
    timeoutMs: 120_000,
    pinForRetest: false,
    responsesModels: [],
    origin: 'default',
  };
}

/**
 * The file's channels, checked, followed by the defaults: a `local` channel unless one already
 * serves local-image-edit, and AI Studio / OpenAI channels when their key is in the environment
 * and the file configures no channel of that provider.
 */
export function buildChannels(
  entries: readonly ChannelFileEntry[],
  context: ChannelContext,
): { channels: ChannelConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const channels: ChannelConfig[] = [];
  const names = new Set<string>();
  entries.forEach((entry, index) => {
    if (names.has(entry.name)) {
      const path = ['channels', index, 'name'];
      problems.push({
        location: context.locate(path),
        path: formatPath(path),
        message: `channel name ${JSON.stringify(entry.name)} is used twice`,
      });
    }
    names.add(entry.name);
    channels.push(buildChannel(entry, index, context, problems));
  });

  const { catalog, environment } = context;
  const add = (channel: ChannelConfig) => {
    const name = uniqueName(channel.name, names);
    names.add(name);
    channels.push({ ...channel, name });
  };
  const geminiKey = environment.GEMINI_API_KEY;
  if (geminiKey && !channels.some((channel) => channel.provider === 'gemini')) {
    add(defaultChannel(catalog, 'google-ai-studio', 'gemini', familyModels(catalog, 'gemini'), [geminiKey]));
  }
  const openaiKey = environment.OPENAI_API_KEY;
  if (openaiKey && !channels.some((channel) => channel.provider === 'openai')) {
    add(defaultChannel(catalog, 'openai', 'openai', familyModels(catalog, 'openai'), [openaiKey]));
  }
  const servesLocal = channels.some((channel) => channel.models.includes(localModelId));
  if (!servesLocal && catalog.resolve(localModelId) !== undefined) {
    add(defaultChannel(catalog, 'local', 'local', [localModelId]));
  }
  return { channels, problems };
}
