// Provider `local`: the built-in offline engine, answering in-process with Gemini-shaped responses.
import type { Provider, UpstreamEvent } from '../types.js';
import { generateWithLocalEngine } from './generate.js';

export function createLocalProvider(): Provider {
  return {
    async generate(request, target) {
      return { response: await generateWithLocalEngine(request, target.upstreamModel) };
    },
    async stream(request, target) {
      const response = await generateWithLocalEngine(request, target.upstreamModel);
      async function* single(): AsyncGenerator<UpstreamEvent> {
        yield { response };
      }
      return single();
    },
  };
}
