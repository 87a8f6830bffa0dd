// The model list the simulator serves when no --models file or list flag says otherwise: the
// providers' image models as of 2026-12-06, GA ids only. Update it here when a provider changes.

import type { ModelListSpec } from './model-list.js';

export const defaultModelListDate = '2026-12-06';

export const defaultModelList: ModelListSpec = {
  gemini: {
    // ai.google.dev/gemini-api/docs/deprecations and changelog: the GA ids of 2026-05-28, and
    // Nano Banana 2 Lite (GA 2026-06-30).
    models: ['gemini-3.1-flash-image', 'gemini-3-pro-image', 'gemini-3.1-flash-lite-image'],
    // Shut down: the -preview ids on 2026-06-25, gemini-2.5-flash-image on 2026-10-02.
    gone: [
      'gemini-3.1-flash-image-preview',
      'gemini-3-pro-image-preview',
      'nano-banana-pro-preview',
      'gemini-2.5-flash-image',
      'gemini-2.5-flash-image-preview',
    ],
  },
  openai: {
    models: ['gpt-image-2'],
    // developers.openai.com/api/docs/deprecations: gpt-image-1 shut down 2026-10-23; gpt-image-1-mini,
    // gpt-image-1.5 and chatgpt-image-latest on 2026-12-01.
    gone: ['gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', 'chatgpt-image-latest'],
  },
};
