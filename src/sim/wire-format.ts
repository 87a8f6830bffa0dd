// Byte-exact serialisation in the shapes Google and OpenAI put on the wire (WIRE.md §2, §3, §9):
// pretty JSON bodies, Google's compact `"k": v` SSE events, the streamed JSON array, OpenAI SSE.

/** Google's non-stream body: 2-space indent, `"key": value`, ending in `}\n`. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function escapeAngleBrackets(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

/** Google's SSE event JSON: compact, a space after each key's colon, none after commas. */
export function googleCompactJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const scalar = JSON.stringify(value);
    return scalar === undefined ? 'null' : escapeAngleBrackets(scalar);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => googleCompactJson(item)).join(',')}]`;
  }
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    members.push(`${escapeAngleBrackets(JSON.stringify(key))}: ${googleCompactJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** One Google SSE event: `data: <json>\r\n\r\n` (no `event:`, no `id:`, never `[DONE]`). */
export function googleSseEvent(value: unknown): string {
  return `data: ${googleCompactJson(value)}\r\n\r\n`;
}

/** Opening of the streamed JSON array form (`streamGenerateContent` without `alt=sse`). */
export function jsonArrayElement(value: unknown, index: number): string {
  const pretty = JSON.stringify(value, null, 2);
  return index === 0 ? `[${pretty}` : `\n,\r\n${pretty}`;
}

export const jsonArrayEnd = '\n]';

/** A whole streamed JSON array in one string (used for array-wrapped errors). */
export function jsonArray(values: unknown[]): string {
  return values.map((value, index) => jsonArrayElement(value, index)).join('') + jsonArrayEnd;
}

/** OpenAI Images SSE event: `event: <type>\ndata: <json>\n\n`. */
export function openAiSseEvent(type: string, value: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(value)}\n\n`;
}

/** OpenAI chat-completions SSE chunk: `data: <json>\n\n`. */
export function openAiSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export const openAiSseDone = 'data: [DONE]\n\n';
