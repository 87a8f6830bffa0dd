// Which listing client reads a channel's model list, by provider type. Vertex AI and the local engine
// have none: their models are not listable here (a sync reports them so and skips them).
import type { ProviderType } from '../config/index.js';
import { listGeminiModels } from './gemini/list-models.js';
import type { ListingFamily, ModelLister } from './model-listing.js';
import { listOpenAiModels } from './openai/list-models.js';

export interface ProviderLister {
  family: ListingFamily;
  list: ModelLister;
}

const listers: Partial<Record<ProviderType, ProviderLister>> = {
  gemini: { family: 'gemini', list: (target) => listGeminiModels(target) },
  'gemini-compatible': { family: 'gemini', list: (target) => listGeminiModels(target) },
  openai: { family: 'openai', list: listOpenAiModels },
  'openai-compatible': { family: 'openai', list: listOpenAiModels },
};

export function listerFor(provider: ProviderType): ProviderLister | undefined {
  return listers[provider];
}
