// Channels of providers `gemini` / `gemini-compatible` that say `api: interactions`: the canonical
// request goes to Google's Interactions API (POST /v1beta/interactions) and its answer comes back as
// a Gemini answer, so every door and the billing read it as they read generateContent.
import type { Provider } from '../types.js';
import { createInteractionsClient } from './client.js';

export function createGeminiInteractionsProvider(): Provider {
  return createInteractionsClient();
}
