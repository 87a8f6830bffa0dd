// The model list the simulator serves when no --models file or list flag says otherwise: the
// providers' image models as of 2026-12-06, GA ids only. Update it here when a provider changes.

import type { ModelListSpec } from './model-list-spec.js';

export const defaultModelListDate = '2026-12-06';

export const defaultModelList: ModelListSpec = {
  gemini: {
    // ai.google.dev/gemini-api/docs/changelog and deprecations: GA 2026-05-28 (3.1 Flash Image, 3 Pro
    // Image), 2026-06-30 (3.1 Flash Lite Image), 2026-10-06 (Nano Banana 2.1). gemini-3.1-flash-image is
    // deprecated since 2026-10-06 but Google has announced no shutdown date, so it is still served.
    models: [
      'gemini-3.1-flash-image',
      'gemini-3-pro-image',
      'gemini-3.1-flash-lite-image',
      'gemini-nano-banana-2.1',
    ],
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
    // The gpt-image-2 line; `created` is the release day (third-party dates, OpenAI's model pages give none).
    // With no `model` field an Images call takes the first id here.
    models: [
      { id: 'gpt-image-2', created: 1776729600 },
      { id: 'gpt-image-2.5-sunburst', created: 1788825600 },
      { id: 'gpt-image-2.5-flare', created: 1788825600 },
      { id: 'gpt-image-2.6-sunburst', created: 1793750400 },
      { id: 'gpt-image-2.6-flare', created: 1793750400 },
    ],
    // developers.openai.com/api/docs/deprecations: gpt-image-1 shut down 2026-10-23; gpt-image-1-mini,
    // gpt-image-1.5 (and its dated id) and chatgpt-image-latest on 2026-12-01.
    gone: [
      'gpt-image-1',
      'gpt-image-1-mini',
      'gpt-image-1.5',
      'gpt-image-1.5-2025-12-16',
      'chatgpt-image-latest',
    ],
  },
};
