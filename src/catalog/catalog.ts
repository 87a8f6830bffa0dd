// The model catalog: loads the built-in YAML, applies config overrides, and answers "which model
// is this id or alias", "what did you mean", and "how many output tokens does one image cost".
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { closestNames } from './close-ids.js';
import { describeIssue, formatPath, type IssuePath, issuePath } from './describe-issue.js';
import { type CatalogEntryInput, type CatalogModel, catalogEntrySchema } from './schema.js';

export type { CatalogEntryInput, CatalogModel } from './schema.js';

export interface CatalogIssue {
  /** Path inside the list of entries given, starting with the entry index. */
  path: IssuePath;
  message: string;
}

/** A catalog (built-in or override) failed validation; `issues` carry paths for line mapping. */
export class CatalogError extends Error {
  readonly issues: CatalogIssue[];

  constructor(issues: CatalogIssue[], listName = 'models') {
    super(issues.map((issue) => `${formatPath([listName, ...issue.path])}: ${issue.message}`).join('\n'));
    this.name = 'CatalogError';
    this.issues = issues;
  }
}

const modelsPrefix = 'models/';
/** Object fields an override merges key by key instead of replacing. */
const mergedObjectFields = new Set(['capabilities', 'pricing', 'imageTokens', 'upstreamIds', 'imagePrices']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeEntry(base: CatalogEntryInput, override: CatalogEntryInput): CatalogEntryInput {
  const merged: CatalogEntryInput = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const previous = merged[key];
    merged[key] =
      mergedObjectFields.has(key) && isPlainObject(previous) && isPlainObject(value)
        ? { ...previous, ...value }
        : value;
  }
  return merged;
}

export class ModelCatalog {
  private readonly models: readonly CatalogModel[];
  private readonly entries: readonly CatalogEntryInput[];
  private readonly byName = new Map<string, CatalogModel>();

  /** Validates raw entries (as written in YAML); throws CatalogError naming every bad field. */
  constructor(entries: readonly CatalogEntryInput[]) {
    const issues: CatalogIssue[] = [];
    const models: CatalogModel[] = [];
    entries.forEach((entry, index) => {
      const result = catalogEntrySchema.safeParse(entry, { reportInput: true });
      if (result.success) models.push(result.data);
      else
        for (const issue of result.error.issues)
          issues.push({ path: [index, ...issuePath(issue)], message: describeIssue(issue) });
    });
    if (issues.length === 0) issues.push(...this.indexNames(models));
    if (issues.length === 0) issues.push(...this.checkSuccessors(models));
    if (issues.length > 0) throw new CatalogError(issues);
    this.models = models;
    this.entries = entries;
  }

  private indexNames(models: CatalogModel[]): CatalogIssue[] {
    const issues: CatalogIssue[] = [];
    const owner = new Map<string, string>();
    const claim = (name: string, modelId: string, path: IssuePath) => {
      const previous = owner.get(name);
      if (previous !== undefined && previous !== modelId) {
        issues.push({ path, message: `${JSON.stringify(name)} is already used by model ${previous}` });
      } else if (previous === modelId && path.at(-1) !== 'id') {
        issues.push({ path, message: `${JSON.stringify(name)} repeats the model's own id or alias` });
      }
      owner.set(name, modelId);
    };
    models.forEach((model, index) => {
      claim(model.id, model.id, [index, 'id']);
      this.byName.set(model.id, model);
    });
    models.forEach((model, index) => {
      model.aliases.forEach((alias, aliasIndex) => {
        claim(alias, model.id, [index, 'aliases', aliasIndex]);
        if (!this.byName.has(alias)) this.byName.set(alias, model);
      });
    });
    return issues;
  }

  /** Every successor names a catalog id (not an alias), and no chain of successors loops. */
  private checkSuccessors(models: CatalogModel[]): CatalogIssue[] {
    const issues: CatalogIssue[] = [];
    const ids = new Map(models.map((model) => [model.id, model]));
    models.forEach((model, index) => {
      if (model.successor === null) return;
      if (!ids.has(model.successor)) {
        const named = this.byName.get(model.successor);
        issues.push({
          path: [index, 'successor'],
          message: named
            ? `successor must be a model id, not the alias ${JSON.stringify(model.successor)}: use ${named.id}`
            : `successor ${JSON.stringify(model.successor)} is not a model in the catalog`,
        });
        return;
      }
      const seen = new Set([model.id]);
      for (let next = ids.get(model.successor); next !== undefined; next = ids.get(next.successor ?? '')) {
        if (seen.has(next.id)) {
          issues.push({
            path: [index, 'successor'],
            message: `successors loop: ${[...seen, next.id].join(' → ')}`,
          });
          break;
        }
        seen.add(next.id);
      }
    });
    return issues;
  }

  /** The model's successors in order (nearest first); empty when it has none. */
  successorsOf(model: CatalogModel): CatalogModel[] {
    const chain: CatalogModel[] = [];
    for (let next = this.byId(model.successor); next !== undefined; next = this.byId(next.successor)) {
      if (next.id === model.id || chain.includes(next)) break;
      chain.push(next);
    }
    return chain;
  }

  private byId(id: string | null): CatalogModel | undefined {
    if (id === null) return undefined;
    const model = this.byName.get(id);
    return model?.id === id ? model : undefined;
  }

  /** An id or alias, with or without the `models/` prefix; ids are case-sensitive. */
  resolve(idOrAlias: string): CatalogModel | undefined {
    const name = idOrAlias.startsWith(modelsPrefix) ? idOrAlias.slice(modelsPrefix.length) : idOrAlias;
    return this.byName.get(name);
  }

  /** Every model, in catalog order (built-in order, then added entries). */
  list(): readonly CatalogModel[] {
    return this.models;
  }

  /** Up to `limit` known ids or aliases close to an unknown one, for "did you mean" messages. */
  closeIds(unknownId: string, limit = 3): string[] {
    const name = unknownId.startsWith(modelsPrefix) ? unknownId.slice(modelsPrefix.length) : unknownId;
    const candidates = this.models
      .filter((model) => model.status !== 'disabled')
      .flatMap((model) => [model.id, ...model.aliases]);
    return closestNames(name, candidates, limit);
  }

  /**
   * A new catalog with config `models:` entries applied: an entry whose id exists is merged into
   * it (top-level fields replace; capabilities, pricing and imageTokens merge key by key), any
   * other entry must be complete. Issue paths start with the index into `overrides`.
   */
  withOverrides(overrides: readonly CatalogEntryInput[]): ModelCatalog {
    if (overrides.length === 0) return this;
    const entries = [...this.entries];
    const origin = new Map<number, number>();
    const issues: CatalogIssue[] = [];
    overrides.forEach((override, overrideIndex) => {
      if (!isPlainObject(override) || typeof override.id !== 'string') {
        issues.push({ path: [overrideIndex, 'id'], message: 'required string is missing' });
        return;
      }
      const existing = entries.findIndex((entry) => entry.id === override.id);
      if (existing === -1) {
        origin.set(entries.length, overrideIndex);
        entries.push(override);
      } else {
        origin.set(existing, overrideIndex);
        entries[existing] = mergeEntry(entries[existing], override);
      }
    });
    if (issues.length > 0) throw new CatalogError(issues);
    try {
      return new ModelCatalog(entries);
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      const remapped = error.issues.map((issue) => {
        const [entryIndex, ...rest] = issue.path;
        const overrideIndex = origin.get(Number(entryIndex));
        const id = String(entries[Number(entryIndex)]?.id ?? entryIndex);
        return overrideIndex === undefined
          ? { path: [], message: `model ${id}: ${formatPath(rest)}: ${issue.message}` }
          : { path: [overrideIndex, ...rest], message: issue.message };
      });
      throw new CatalogError(remapped);
    }
  }
}

export interface ImageTokenQuery {
  /** Gemini imageConfig.imageSize, e.g. `2K`. */
  imageSize?: string;
  /** OpenAI quality (`low` | `medium` | `high`), paired with `size`. */
  quality?: string;
  /** OpenAI size, e.g. `1024x1536`. */
  size?: string;
}

/**
 * Output tokens billed for one generated image: the exact key (`quality@size`, or imageSize),
 * then `default`, then the model's defaultImageSize, then the largest entry (worst case).
 */
export function outputImageTokens(model: CatalogModel, query: ImageTokenQuery = {}): number {
  const table = model.imageTokens;
  const keys: string[] = [];
  if (query.quality !== undefined && query.size !== undefined) keys.push(`${query.quality}@${query.size}`);
  if (query.imageSize !== undefined) keys.push(query.imageSize);
  keys.push('default');
  if (model.capabilities.defaultImageSize !== null) keys.push(model.capabilities.defaultImageSize);
  for (const key of keys) {
    if (Object.hasOwn(table, key)) return table[key];
  }
  return largestEntry(table);
}

/**
 * The most one generated image of a request can be billed. A Gemini imageSize the request names (or
 * the model's default, which the upstream uses when none is named) is exact; an OpenAI quality or
 * size left at `auto`, absent or unlisted may land on any entry, so the largest one it matches counts.
 */
export function maxOutputImageTokens(model: CatalogModel, query: ImageTokenQuery = {}): number {
  const table = model.imageTokens;
  const pairs = Object.keys(table)
    .map((key) => key.split('@'))
    .filter((parts): parts is [string, string] => parts.length === 2);
  if (pairs.length === 0) {
    if (query.imageSize !== undefined && !Object.hasOwn(table, query.imageSize)) return largestEntry(table);
    return outputImageTokens(model, { imageSize: query.imageSize });
  }
  const listed = (values: string[], value: string | undefined) =>
    value !== undefined && values.includes(value) ? value : undefined;
  const quality = listed(
    pairs.map(([pairQuality]) => pairQuality),
    query.quality,
  );
  const size = listed(
    pairs.map(([, pairSize]) => pairSize),
    query.size,
  );
  const matching = pairs
    .filter(
      ([pairQuality, pairSize]) =>
        (quality ?? pairQuality) === pairQuality && (size ?? pairSize) === pairSize,
    )
    .map(([pairQuality, pairSize]) => table[`${pairQuality}@${pairSize}`]);
  return matching.length > 0 ? Math.max(...matching) : largestEntry(table);
}

function largestEntry(table: Record<string, number>): number {
  return Math.max(0, ...Object.values(table));
}

const builtinCatalogUrl = new URL('./builtin-models.yaml', import.meta.url);
let builtinCatalog: ModelCatalog | undefined;

/** The catalog shipped in builtin-models.yaml (read once; the `shared:` anchors are ignored). */
export function loadBuiltinCatalog(): ModelCatalog {
  if (builtinCatalog === undefined) {
    const document: unknown = parse(readFileSync(builtinCatalogUrl, 'utf8'), { merge: true });
    const models = isPlainObject(document) ? document.models : undefined;
    if (!Array.isArray(models)) throw new CatalogError([{ path: [], message: 'expected a models: list' }]);
    builtinCatalog = new ModelCatalog(models.filter(isPlainObject));
  }
  return builtinCatalog;
}
