// Splits the `{model}:{method}` tail of a Gemini path. Pure.

/** The API versions the Gemini door answers under; v1 is served exactly as v1beta. */
export const geminiApiVersions = ['v1beta', 'v1'] as const;
export type GeminiApiVersion = (typeof geminiApiVersions)[number];

export type GeminiAction = 'generateContent' | 'streamGenerateContent' | 'countTokens';

const actions: ReadonlySet<string> = new Set(['generateContent', 'streamGenerateContent', 'countTokens']);

export function parseModelAction(tail: string): { model: string; action: GeminiAction | string } {
  const decoded = decodeURIComponent(tail);
  const colon = decoded.lastIndexOf(':');
  if (colon < 0) return { model: decoded, action: '' };
  return { model: decoded.slice(0, colon), action: decoded.slice(colon + 1) };
}

export function isGeminiAction(action: string): action is GeminiAction {
  return actions.has(action);
}
