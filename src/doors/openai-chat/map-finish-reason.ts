// Gemini finishReason / blockReason → OpenAI chat `finish_reason`, and which reasons mean a
// safety block (the OpenAI doors render those as content_filter / moderation_blocked).

export type ChatFinishReason = 'stop' | 'length' | 'content_filter';

/** Every Gemini reason that means "blocked by a policy", for candidates and for prompts. */
export const safetyReasons: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
  'JAILBREAK',
]);

export function isSafetyReason(reason: string | undefined): boolean {
  return reason !== undefined && safetyReasons.has(reason);
}

/** STOP → stop, MAX_TOKENS → length, policy reasons → content_filter, everything else → stop. */
export function chatFinishReason(reason: string | undefined): ChatFinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (isSafetyReason(reason)) return 'content_filter';
  return 'stop';
}
