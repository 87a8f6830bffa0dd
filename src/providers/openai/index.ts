// Providers `openai` (api.openai.com) and `openai-compatible` (any router speaking OpenAI Images).
export { createOpenAiProvider, OPENAI_API_URL, upstreamUrl } from './client.js';
