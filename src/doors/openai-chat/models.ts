// Catalog models → OpenAI's model list shape: {object:'list', data:[{id, object:'model', created, owned_by}]}.
import type { CatalogModel } from '../../catalog/catalog.js';
import type { ModelFamily } from '../../catalog/schema.js';

export interface OpenAiModelResource {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** YYYY-MM-DD when a shutdown is announced, else null (OpenAI's own list carries this field). */
  shutdown_date: string | null;
}

/** For a model without a release date: a fixed epoch (2025-01-01) keeps `created` stable across restarts. */
export const catalogCreatedAt = 1_735_689_600;

const ownerOfFamily: Readonly<Record<ModelFamily, string>> = {
  gemini: 'google',
  openai: 'openai',
  local: 'imagegate',
};

export function openAiModelResource(model: CatalogModel, shutdown: string | null): OpenAiModelResource {
  const created =
    model.released === null ? catalogCreatedAt : Date.parse(`${model.released}T00:00:00Z`) / 1000;
  return {
    id: model.id,
    object: 'model',
    created,
    owned_by: ownerOfFamily[model.family],
    shutdown_date: shutdown,
  };
}

export function openAiModelList(
  models: readonly CatalogModel[],
  shutdownOf: (model: CatalogModel) => string | null,
): { object: 'list'; data: OpenAiModelResource[] } {
  return { object: 'list', data: models.map((model) => openAiModelResource(model, shutdownOf(model))) };
}
