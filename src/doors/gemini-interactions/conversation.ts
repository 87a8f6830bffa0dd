// Stored interactions ↔ canonical conversation: each stored turn keeps its input as canonical
// contents and the Interaction as answered; a later turn's history is every earlier input followed
// by the model turn read back from that Interaction's model_output steps.
import { readTurnInput, withSignatures } from '../../canonical/stored-turn.js';
import type { Content, Part } from '../../canonical/types.js';
import { record } from '../../canonical/json-record.js';

/** The model turn of an Interaction: the text and image blocks of its model_output steps. */
export function modelContentOf(interaction: unknown): Content | undefined {
  const steps = record(interaction)?.steps;
  if (!Array.isArray(steps)) return undefined;
  const parts: Part[] = [];
  for (const step of steps) {
    const entry = record(step);
    if (entry?.type !== 'model_output' || !Array.isArray(entry.content)) continue;
    for (const block of entry.content) {
      const content = record(block);
      if (content?.type === 'text' && typeof content.text === 'string') parts.push({ text: content.text });
      if (content?.type === 'image' && typeof content.data === 'string') {
        const mimeType = typeof content.mime_type === 'string' ? content.mime_type : 'image/png';
        parts.push({ inlineData: { mimeType, data: content.data } });
      }
    }
  }
  return parts.length > 0 ? { role: 'model', parts } : undefined;
}

/** The canonical contents of stored turns, oldest first. */
export function historyOf(turns: readonly { input: string; body: string }[]): Content[] {
  const history: Content[] = [];
  for (const turn of turns) {
    const { contents, signatures } = readTurnInput(turn.input);
    history.push(...contents);
    const model = modelContentOf(JSON.parse(turn.body));
    if (model) history.push(withSignatures(model, signatures));
  }
  return history;
}
