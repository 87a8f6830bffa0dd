// Stored responses ↔ canonical conversation: each stored turn keeps its input as canonical contents
// and the Response as answered; a later turn's history is every earlier input followed by the
// model turn read back from that Response's output (its images and its text).
import type { Content, Part } from '../../canonical/types.js';
import { resultImagePart } from './to-canonical.js';

/** A stored turn as the door reads it back (src/store/conversations.ts keeps the JSON text). */
export interface StoredResponseTurn {
  input: string;
  body: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
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
    const input = JSON.parse(turn.input) as Content[];
    history.push(...input);
    const model = modelContentOf(JSON.parse(turn.body));
    if (model) history.push(model);
  }
  return history;
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
