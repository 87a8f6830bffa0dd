// Stored responses ↔ canonical conversation: each stored turn keeps its input as canonical contents
// and the Response as answered; a later turn's history is every earlier input followed by the
// model turn read back from that Response's output (its images and its text).
import { readTurnInput, withSignatures } from '../../canonical/stored-turn.js';
import type { Content, Part } from '../../canonical/types.js';
import { resultImagePart } from './to-canonical.js';
import { record } from '../../canonical/json-record.js';

/** A stored turn as the door reads it back (src/store/conversations.ts keeps the JSON text). */
export interface StoredResponseTurn {
  input: string;
  body: string;
}

/** The model turn of a Response: its images (image_generation_call results) and its output text. */
export function modelContentOf(response: unknown): Content | undefined {
  const output = record(response)?.output;
  if (!Array.isArray(output)) return undefined;
  const parts: Part[] = [];
  for (const item of output) {
    const entry = record(item);
    if (entry?.type === 'image_generation_call' && typeof entry.result === 'string') {
      const part = resultImagePart(entry.result);
      if (part) parts.push(part);
    } else if (entry?.type === 'message' && Array.isArray(entry.content)) {
      for (const piece of entry.content) {
        const text = record(piece)?.text;
        if (typeof text === 'string' && text !== '') parts.push({ text });
      }
    }
  }
  return parts.length > 0 ? { role: 'model', parts } : undefined;
}

/** The canonical contents of stored turns, oldest first. */
export function historyOf(turns: readonly StoredResponseTurn[]): Content[] {
  const history: Content[] = [];
  for (const turn of turns) {
    const { contents, signatures } = readTurnInput(turn.input);
    history.push(...contents);
    const model = modelContentOf(JSON.parse(turn.body));
    if (model) history.push(withSignatures(model, signatures));
  }
  return history;
}

export interface InputItemsPage {
  object: 'list';
  data: Record<string, unknown>[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** One stored input turn → the Responses items it was (`GET /v1/responses/{id}/input_items`). */
function itemsOf(
  content: Content,
  idOf: (index: number) => string,
  start: number,
): Record<string, unknown>[] {
  const parts = content.parts ?? [];
  if (content.role === 'model') {
    return parts.map((part, index) =>
      part.inlineData
        ? {
            id: idOf(start + index),
            type: 'image_generation_call',
            status: 'completed',
            result: String(part.inlineData.data ?? ''),
          }
        : {
            id: idOf(start + index),
            type: 'message',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: part.text ?? '', annotations: [] }],
          },
    );
  }
  const pieces = parts.map((part) =>
    part.inlineData
      ? {
          type: 'input_image',
          image_url: `data:${part.inlineData.mimeType};base64,${String(part.inlineData.data ?? '')}`,
          detail: 'auto',
          file_id: null,
        }
      : { type: 'input_text', text: part.text ?? '' },
  );
  return [{ id: idOf(start), type: 'message', role: 'user', status: 'completed', content: pieces }];
}

/**
 * The input items of a stored turn, paged as OpenAI pages them: `order` (default `desc`, newest
 * first), `after` an item id, `limit` 1..100 (default 20).
 */
export function inputItemsPage(
  turn: { id: string; input: string },
  query: { order?: string; after?: string; limit?: number },
): InputItemsPage {
  const hex = turn.id.startsWith('resp_') ? turn.id.slice('resp_'.length) : turn.id;
  const idOf = (index: number) => `msg_${hex}i${index.toString(16).padStart(2, '0')}`;
  const items: Record<string, unknown>[] = [];
  for (const content of readTurnInput(turn.input).contents)
    items.push(...itemsOf(content, idOf, items.length));
  if (query.order !== 'asc') items.reverse();
  const afterIndex = query.after === undefined ? -1 : items.findIndex((item) => item.id === query.after);
  const limit = query.limit ?? 20;
  const data = items.slice(afterIndex + 1, afterIndex + 1 + limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: afterIndex + 1 + limit < items.length,
  };
}

/** Where a relayed (pass-through) response lives: the channel and the key that made it upstream. */
export interface PassThroughOrigin {
  channel: string;
  keyFingerprint?: string;
}

/** A relayed turn's stored input: not canonical contents, but where the upstream keeps the turn. */
export function passThroughInput(origin: PassThroughOrigin): string {
  return JSON.stringify({ passThrough: origin.channel, keyFingerprint: origin.keyFingerprint });
}

/** The origin of a relayed turn, or undefined for a turn this gateway answered itself. */
export function passThroughOriginOf(input: string): PassThroughOrigin | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return undefined;
  }
  const entry = record(parsed);
  if (typeof entry?.passThrough !== 'string') return undefined;
  return {
    channel: entry.passThrough,
    ...(typeof entry.keyFingerprint === 'string' ? { keyFingerprint: entry.keyFingerprint } : {}),
  };
}
