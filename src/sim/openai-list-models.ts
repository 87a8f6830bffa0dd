// OpenAI's `GET /v1/models` and `GET /v1/models/{id}` over the ids the model list serves, with
// `shutdown_date` (YYYY-MM-DD, or null when none is announced) as developers.openai.com documents it.

import type { ListedOpenAiModel, ModelList } from './model-list.js';

/** When the sim's chat route serves a Gemini model, OpenRouter-style, under `google/{id}`. */
const chatModelPrefix = 'google/';
const geminiCreated = 1_700_000_000;

interface OpenAiModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  shutdown_date: string | null;
}

function modelObject(model: ListedOpenAiModel): OpenAiModelObject {
  return {
    id: model.id,
    object: 'model',
    created: model.created,
    owned_by: model.ownedBy,
    shutdown_date: model.shutdownDate ?? null,
  };
}

/** Every id the OpenAI-compatible routes take: the OpenAI list, then the Gemini list as `google/{id}`. */
function modelObjects(models: ModelList): OpenAiModelObject[] {
  const chatModels = models.gemini.map((model) => ({
    id: `${chatModelPrefix}${model.name}`,
    object: 'model' as const,
    created: geminiCreated,
    owned_by: 'google',
    shutdown_date: model.shutdownDate ?? null,
  }));
  return [...models.openai.map(modelObject), ...chatModels];
}

export function openAiModelList(models: ModelList): { object: 'list'; data: OpenAiModelObject[] } {
  return { object: 'list', data: modelObjects(models) };
}

export function openAiModelObject(models: ModelList, id: string): OpenAiModelObject | undefined {
  return modelObjects(models).find((model) => model.id === id);
}
