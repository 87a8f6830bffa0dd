// A stored conversation turn's own part (the doors keep the answer itself in their wire shape): this
// turn's input as canonical contents, and the thought signatures the answer's parts carried.
// Gemini 3 image models check the signatures of earlier model turns when a conversation goes on, and
// a door's wire shape (an OpenAI image item, an Interactions block) has no place for them.
import type { Content, GenerateContentResponse, Part } from './types.js';

/** Signatures of the answer's non-thought parts, by kind and in order (null where a part had none). */
export interface AnswerSignatures {
  image: (string | null)[];
  text: (string | null)[];
}

export interface StoredTurnInput {
  contents: Content[];
  signatures?: AnswerSignatures;
}

function kindOf(part: Part): keyof AnswerSignatures | undefined {
  if (part.inlineData?.mimeType.startsWith('image/')) return 'image';
  if (typeof part.text === 'string' && part.text !== '') return 'text';
  return undefined;
}

/** The signatures of the answer's parts; undefined when none carried one. */
export function signaturesOf(responses: readonly GenerateContentResponse[]): AnswerSignatures | undefined {
  const signatures: AnswerSignatures = { image: [], text: [] };
  let pending: string | undefined;
  let any = false;
  for (const response of responses) {
    for (const candidate of response.candidates ?? []) {
      for (const part of candidate.content?.parts ?? []) {
        // A signature on a thought part (or a part with no content) belongs to the part after it.
        const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
        const kind = part.thought === true ? undefined : kindOf(part);
        if (!kind) {
          pending = signature ?? pending;
          continue;
        }
        const kept = signature ?? pending ?? null;
        pending = undefined;
        if (kept !== null) any = true;
        signatures[kind].push(kept);
      }
    }
  }
  return any ? signatures : undefined;
}

export function storedTurnInput(
  contents: readonly Content[],
  signatures: AnswerSignatures | undefined,
): string {
  return JSON.stringify(signatures ? { contents, signatures } : { contents });
}

export function readTurnInput(json: string): StoredTurnInput {
  const parsed = JSON.parse(json) as StoredTurnInput | Content[];
  return Array.isArray(parsed) ? { contents: parsed } : parsed;
}

/** The model turn with each part's signature back on it, matched by kind and order. */
export function withSignatures(content: Content, signatures: AnswerSignatures | undefined): Content {
  if (!signatures) return content;
  const next = { image: 0, text: 0 };
  const parts = (content.parts ?? []).map((part) => {
    const kind = kindOf(part);
    if (!kind) return part;
    const signature = signatures[kind][next[kind]];
    next[kind] += 1;
    return signature ? { ...part, thoughtSignature: signature } : part;
  });
  return { ...content, parts };
}
