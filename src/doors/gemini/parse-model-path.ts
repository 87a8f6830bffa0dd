// Splits the `{model}:{method}` tail of a v1beta path. Pure.
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
