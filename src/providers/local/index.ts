// Provider `local`: the built-in offline engine, answering in-process with Gemini-shaped responses.
import type { Provider, UpstreamEvent } from '../types.js';
import { countTokensLocally } from './count-tokens.js';
import { generateWithLocalEngine } from './generate.js';

export { countTokensLocally } from './count-tokens.js';
export { generateWithLocalEngine } from './generate.js';

export function createLocalProvider(): Provider {
  return {
    async generate(request, target) {
      return { response: await generateWithLocalEngine(request, target.upstreamModel, target.signal) };
    },
    async stream(request, target) {
      // The engine answers at once, so the stream is one complete chunk.
      const response = await generateWithLocalEngine(request, target.upstreamModel, target.signal);
      async function* single(): AsyncGenerator<UpstreamEvent> {
        yield { response };
      }
      return single();
    },
    async countTokens(request) {
      return { ...countTokensLocally(request) };
    },
  };
}
