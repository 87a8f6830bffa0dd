// OpenAI outcomes → Gemini finishReason: an Images item with bytes is STOP, without is NO_IMAGE;
// chat finish_reason (for openai-compatible chat upstreams) stop/length/content_filter.

export function finishReasonForImageItem(item: { b64_json?: string | null; url?: string | null }): string {
  return item.b64_json || item.url ? 'STOP' : 'NO_IMAGE';
}

const chatTable: Readonly<Record<string, string>> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
  tool_calls: 'STOP',
  function_call: 'STOP',
};

export function finishReasonForChat(reason: string | null | undefined): string {
  if (!reason) return 'FINISH_REASON_UNSPECIFIED';
  return chatTable[reason] ?? 'OTHER';
}
