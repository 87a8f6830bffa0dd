// Which model ids each simulated provider lists, which it answers 404 for (gone), and the shutdown
// dates OpenAI shows: built from a spec (the default list, a --models file) and the list flags.

import { z } from 'zod';
import { defaultModelList } from './default-model-list.js';
import {
  type SimModel,
  bareModelId,
  findGeminiFamily,
  geminiFamilies,
  geminiFamilyOf,
  geminiModelFor,
} from './model-families.js';
import type { ModelListSpec } from './model-list-spec.js';

export type { ModelEntrySpec, ModelListSpec, ProviderModelsSpec } from './model-list-spec.js';

export const providers = ['gemini', 'openai'] as const;
export type Provider = (typeof providers)[number];

export class ModelListError extends Error {
  override name = 'ModelListError';
}

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

// Ids become URL path segments (`/v1beta/models/{id}:generateContent`), so no slash, colon or space.
const modelId = z
  .string()
  .max(100)
  .regex(/^[\w.-]+$/, 'a model id is letters, digits, ".", "_" and "-"');
const shutdownDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date');

// A bare id becomes `{ id }` first, so an error names the field that is wrong rather than the union.
const modelEntrySchema = z.preprocess(
  (value) => (typeof value === 'string' ? { id: value } : value),
  z.strictObject({
    id: modelId,
    family: z.string().optional(),
    shutdownDate: shutdownDate.optional(),
    created: z.int().nonnegative().optional(),
  }),
);

const providerModelsSchema = z.strictObject({
  models: z.array(modelEntrySchema).optional(),
  gone: z.array(modelId).optional(),
});

const modelListSchema = z.strictObject({
  gemini: providerModelsSchema.optional(),
  openai: providerModelsSchema.optional(),
});

/** What the list flags change, applied after the spec in this order: lists, gone, shutdown dates. */
export interface ModelListOverrides {
  /** Replaces a provider's listed ids (an id that was listed keeps its details). */
  lists?: Partial<Record<Provider, readonly string[]>>;
  /** Ids that are gone from every provider: unlisted, and answered with 404. */
  gone?: readonly string[];
  /** Shutdown dates (YYYY-MM-DD) by listed id. */
  shutdownDates?: Readonly<Record<string, string>>;
}

interface ModelEntry {
  id: string;
  family?: string;
  shutdownDate?: string;
  created?: number;
}

interface ProviderModels {
  models: ModelEntry[];
  gone: string[];
}

export interface ListedGeminiModel extends SimModel {
  shutdownDate?: string;
}

export interface ListedOpenAiModel {
  id: string;
  /** Unix seconds. */
  created: number;
  ownedBy: string;
  shutdownDate?: string;
}

/** `created` for an OpenAI id the list gives no date for. */
const defaultCreated = 1_700_000_000;

function describeIssue(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(top level)';
  return `${where}: ${path}: ${issue?.message ?? 'invalid'}`;
}

function readProvider(spec: ModelListSpec, provider: Provider): ProviderModels {
  const models = spec[provider] ?? defaultModelList[provider] ?? {};
  const entries = (models.models ?? []).map((entry) =>
    typeof entry === 'string' ? { id: entry } : { ...entry },
  );
  const gone = [...(models.gone ?? [])];
  const contradicted = entries.find((entry) => gone.includes(entry.id));
  if (contradicted) {
    throw new ModelListError(`${provider}: ${contradicted.id} is both listed and gone`);
  }
  return { models: entries, gone };
}

function applyOverrides(lists: Record<Provider, ProviderModels>, overrides: ModelListOverrides): void {
  for (const provider of providers) {
    const ids = overrides.lists?.[provider];
    if (!ids) continue;
    const previous = lists[provider].models;
    lists[provider].models = ids.map((id) => previous.find((entry) => entry.id === id) ?? { id });
    lists[provider].gone = lists[provider].gone.filter((id) => !ids.includes(id));
  }
  for (const id of overrides.gone ?? []) {
    for (const provider of providers) {
      lists[provider].models = lists[provider].models.filter((entry) => entry.id !== id);
      if (!lists[provider].gone.includes(id)) lists[provider].gone.push(id);
    }
  }
  for (const [id, date] of Object.entries(overrides.shutdownDates ?? {})) {
    const parsed = shutdownDate.safeParse(date);
    if (!parsed.success)
      throw new ModelListError(`shutdown date of ${id}: ${parsed.error.issues[0]?.message}`);
    const entries = providers.flatMap((provider) =>
      lists[provider].models.filter((entry) => entry.id === id),
    );
    if (entries.length === 0) throw new ModelListError(`shutdown date of ${id}: no provider lists ${id}`);
    for (const entry of entries) entry.shutdownDate = date;
  }
}

function checkDuplicates(provider: Provider, models: ModelEntry[]): void {
  const seen = new Set<string>();
  for (const { id } of models) {
    if (seen.has(id)) throw new ModelListError(`${provider}: ${id} is listed twice`);
    seen.add(id);
  }
}

function geminiModel(entry: ModelEntry): ListedGeminiModel {
  let family = geminiFamilyOf(entry.id);
  if (entry.family !== undefined) {
    const named = findGeminiFamily(entry.family);
    if (!named) {
      const known = geminiFamilies.map((candidate) => candidate.name).join(', ');
      throw new ModelListError(
        `gemini: ${entry.id}: unknown family "${entry.family}" (known: ${known}, unknown)`,
      );
    }
    family = named;
  }
  const model: ListedGeminiModel = geminiModelFor(entry.id, family);
  if (entry.shutdownDate) model.shutdownDate = entry.shutdownDate;
  return model;
}

function openAiModel(entry: ModelEntry): ListedOpenAiModel {
  if (entry.family !== undefined) {
    throw new ModelListError(`openai: ${entry.id}: family is for Gemini models only`);
  }
  const model: ListedOpenAiModel = {
    id: entry.id,
    created: entry.created ?? defaultCreated,
    ownedBy: 'system',
  };
  if (entry.shutdownDate) model.shutdownDate = entry.shutdownDate;
  return model;
}

/** The ids each provider serves; a call naming any other id answers that provider's 404. */
export class ModelList {
  readonly gemini: readonly ListedGeminiModel[];
  readonly openai: readonly ListedOpenAiModel[];
  readonly gone: Readonly<Record<Provider, readonly string[]>>;

  constructor(lists: Record<Provider, ProviderModels>) {
    for (const provider of providers) checkDuplicates(provider, lists[provider].models);
    this.gemini = lists.gemini.models.map(geminiModel);
    this.openai = lists.openai.models.map(openAiModel);
    this.gone = { gemini: lists.gemini.gone, openai: lists.openai.gone };
  }

  /** A listed Gemini model by id (`models/` prefix allowed); undefined when gone or never listed. */
  findGemini(name: string): ListedGeminiModel | undefined {
    const id = bareModelId(name);
    return this.gemini.find((model) => model.name === id);
  }

  findOpenAi(id: string): ListedOpenAiModel | undefined {
    return this.openai.find((model) => model.id === id);
  }
}

/** Checks a spec read from a file or given by a caller; `where` names it in the error. */
export function parseModelListSpec(value: unknown, where: string): ModelListSpec {
  const parsed = modelListSchema.safeParse(value ?? {});
  if (!parsed.success) throw new ModelListError(describeIssue(parsed.error, where));
  return parsed.data;
}

/** Builds the served list: `spec` (providers it leaves out keep the default list), then the flags. */
export function buildModelList(spec: ModelListSpec = {}, overrides: ModelListOverrides = {}): ModelList {
  const checked = parseModelListSpec(spec, 'model list');
  const lists = { gemini: readProvider(checked, 'gemini'), openai: readProvider(checked, 'openai') };
  applyOverrides(lists, overrides);
  return new ModelList(lists);
}
