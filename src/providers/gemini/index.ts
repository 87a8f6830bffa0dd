// Providers `gemini` (AI Studio) and `gemini-compatible` (any router speaking Gemini native).
import type { Provider } from '../types.js';
import { createGeminiWireProvider } from './client.js';
import { type GeminiAuthStyle, planGeminiRequest } from './convert-request.js';

export const GOOGLE_AI_STUDIO_URL = 'https://generativelanguage.googleapis.com';

export function createGeminiProvider(): Provider {
  return createGeminiWireProvider((target, method) => {
    const authStyle = (target.options.authStyle as GeminiAuthStyle | undefined) ?? 'header';
    return planGeminiRequest(target, method, authStyle);
  });
}
