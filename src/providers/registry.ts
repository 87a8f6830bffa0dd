// Provider by channel type and upstream API: one folder per upstream, created once per process.
import type { ChannelApi, ProviderType } from '../config/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createGeminiInteractionsProvider } from './gemini-interactions/index.js';
import { createLocalProvider } from './local/index.js';
import { createOpenAiProvider } from './openai/index.js';
import type { Provider } from './types.js';
import { createVertexProvider } from './vertex/index.js';

const factories: Partial<Record<ProviderType, () => Provider>> = {
  gemini: createGeminiProvider,
  'gemini-compatible': createGeminiProvider,
  local: createLocalProvider,
  openai: createOpenAiProvider,
  'openai-compatible': createOpenAiProvider,
  vertex: createVertexProvider,
};

/** Channels that say `api: interactions` (config checks only Gemini providers say so). */
const interactionsFactories: Partial<Record<ProviderType, () => Provider>> = {
  gemini: createGeminiInteractionsProvider,
  'gemini-compatible': createGeminiInteractionsProvider,
};

/** Lets a provider folder add itself (openai, vertex) without this file knowing its internals. */
export function registerProviderFactory(type: ProviderType, factory: () => Provider): void {
  factories[type] = factory;
}

const instances = new Map<string, Provider>();

export function providerFor(type: ProviderType, api: ChannelApi = 'generateContent'): Provider {
  const key = `${type}\u0000${api}`;
  let provider = instances.get(key);
  if (!provider) {
    const factory = api === 'interactions' ? interactionsFactories[type] : factories[type];
    if (!factory)
      throw new Error(`Provider type "${type}" with api "${api}" is not available in this build.`);
    provider = factory();
    instances.set(key, provider);
  }
  return provider;
}
