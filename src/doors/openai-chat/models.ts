// Catalog models → OpenAI's model list shape: {object:'list', data:[{id, object:'model', created, owned_by}]}.
import type { CatalogModel } from '../../catalog/catalog.js';
import type { ModelFamily } from '../../catalog/schema.js';

export interface OpenAiModelResource {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The catalog has no publication dates; a fixed epoch (2025-01-01) keeps `created` stable across restarts. */
export const catalogCreatedAt = 1_735_689_600;

const ownerOfFamily: Readonly<Record<ModelFamily, string>> = {
  gemini: 'google',
  openai: 'openai',
  local: 'imagegate',
};

export function openAiModelResource(model: CatalogModel): OpenAiModelResource {
  return { id: model.id, object: 'model', created: catalogCreatedAt, owned_by: ownerOfFamily[model.family] };
}

export function openAiModelList(models: readonly CatalogModel[]): {
  object: 'list';
  data: OpenAiModelResource[];
} {
  return { object: 'list', data: models.map(openAiModelResource) };
}
