// Provider by channel type: one folder per upstream, created once per process.
import type { ProviderType } from '../config/index.js';
import { createGeminiProvider } from './gemini/index.js';
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

/** Lets a provider folder add itself (openai, vertex) without this file knowing its internals. */
export function registerProviderFactory(type: ProviderType, factory: () => Provider): void {
  factories[type] = factory;
}

const instances = new Map<ProviderType, Provider>();

export function providerFor(type: ProviderType): Provider {
  let provider = instances.get(type);
  if (!provider) {
    const factory = factories[type];
    if (!factory) throw new Error(`Provider type "${type}" is not available in this build.`);
    provider = factory();
    instances.set(type, provider);
  }
  return provider;
}
