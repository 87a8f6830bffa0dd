// Reads an Interaction (`POST /v1beta/interactions` answer) into the canonical Gemini answer: output
// steps → one candidate's parts, status → finishReason, usage → usageMetadata. Pure.
import { BytePieces } from '../../canonical/byte-pieces.js';
import { largeJsonBytes } from '../../canonical/find-image-strings.js';
import { excessNestingOffset, maxJsonNesting } from '../../canonical/json-nesting.js';
import { copyImageData, parseSkippingImageStrings } from '../../canonical/skip-image-strings.js';
import type {
  Candidate,
  GenerateContentResponse,
  ModalityTokenCount,
  Part,
  UsageMetadata,
} from '../../canonical/types.js';
import { interactionError, malformedInteraction, safetyCode } from './errors.js';

type WireObject = Record<string, unknown>;

function isRecord(value: unknown): value is WireObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One JSON object from the upstream (a whole answer or an event's data), image strings left lazy. */
export function readInteractionJson(channelName: string, body: string | Buffer | BytePieces): WireObject {
  // A hostile upstream's deep nest would stall JSON.parse and overflow every walk after it.
  if (excessNestingOffset(body) >= 0) {
    throw malformedInteraction(channelName, `objects and arrays nested deeper than ${maxJsonNesting} levels`);
  }
  let value: unknown;
  try {
    value =
      body.length > largeJsonBytes
        ? parseSkippingImageStrings(body)
        : JSON.parse(
            body instanceof BytePieces ? body.slice(0, body.length).toString('utf8') : body.toString(),
          );
  } catch {
    // JSON.parse's message quotes the body: the upstream's words, so only its kind is told.
    const head = typeof body === 'string' ? body : body.slice(0, 64).toString('latin1');
    throw malformedInteraction(channelName, /^\s*</.test(head) ? 'an HTML page' : 'invalid JSON');
  }
  if (!isRecord(value)) throw malformedInteraction(channelName, 'expected a JSON object');
  return value;
}

/** A content block (text, image, …) as a Gemini part; a lazily read image stays undecoded. */
export function blockToPart(block: unknown, channelName: string): Part {
  if (!isRecord(block)) throw malformedInteraction(channelName, 'a content block is not an object');
  if (block.type === 'text') {
    if (typeof block.text !== 'string') throw malformedInteraction(channelName, 'a text block has no text');
    return { text: block.text };
  }
  const mimeType = typeof block.mime_type === 'string' ? block.mime_type : undefined;
  const hasData = Object.getOwnPropertyDescriptor(block, 'data') !== undefined;
  if (hasData && mimeType !== undefined) {
    const inlineData: Record<string, unknown> = { mimeType };
    if (!copyImageData(block, inlineData)) {
      if (typeof block.data !== 'string')
        throw malformedInteraction(channelName, 'an image block has no base64 data');
      inlineData.data = block.data;
    }
    return { inlineData: inlineData as Part['inlineData'] };
  }
  if (typeof block.uri === 'string') {
    return { fileData: { fileUri: block.uri, ...(mimeType ? { mimeType } : {}) } };
  }
  throw malformedInteraction(
    channelName,
    `a ${String(block.type)} block lacks a mime_type and data or a uri`,
  );
}

function modalities(value: unknown): ModalityTokenCount[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord).map((entry) => ({
    modality: String(entry.modality ?? '').toUpperCase(),
    tokenCount: typeof entry.tokens === 'number' ? entry.tokens : 0,
  }));
}

/** Interactions `usage` → generateContent `usageMetadata` (what billing and the doors read). */
export function usageToMetadata(usage: unknown): UsageMetadata | undefined {
  if (!isRecord(usage)) return undefined;
  const metadata: UsageMetadata = {};
  const number = (key: string) => (typeof usage[key] === 'number' ? (usage[key] as number) : undefined);
  const set = <K extends keyof UsageMetadata>(key: K, value: UsageMetadata[K] | undefined) => {
    if (value !== undefined) metadata[key] = value;
  };
  set('promptTokenCount', number('total_input_tokens'));
  set('promptTokensDetails', modalities(usage.input_tokens_by_modality));
  set('candidatesTokenCount', number('total_output_tokens'));
  set('candidatesTokensDetails', modalities(usage.output_tokens_by_modality));
  set('thoughtsTokenCount', number('total_thought_tokens'));
  set('cachedContentTokenCount', number('total_cached_tokens'));
  set('toolUsePromptTokenCount', number('total_tool_use_tokens'));
  set('totalTokenCount', number('total_tokens'));
  return metadata;
}

/** Finish reasons by interaction status; `failed` and `cancelled` are errors, unfinished ones malformed. */
const finishReasons: Record<string, string> = {
  completed: 'STOP',
  incomplete: 'MAX_TOKENS',
  budget_exceeded: 'MAX_TOKENS',
};

/** The finishReason of a finished interaction, or the error it ended in. */
export function finishReasonOf(interaction: WireObject, channelName: string): string {
  const status = String(interaction.status ?? '');
  const reason = finishReasons[status];
  if (reason !== undefined) return reason;
  if (status === 'failed' || status === 'cancelled') {
    const errors = Array.isArray(interaction.errors) ? interaction.errors : [];
    const first = errors.find(isRecord);
    // A refusal of the content is the caller's answer (a safety finish), not the route's failure.
    if (typeof first?.code === 'string' && safetyCode.test(first.code)) return 'SAFETY';
    throw interactionError(first ?? { code: status }, channelName);
  }
  throw malformedInteraction(channelName, `the interaction is not finished (status "${status}")`);
}

/** Output steps → parts: thought summaries as thought parts, a thought's signature on the next part. */
export function stepsToParts(steps: unknown, channelName: string): Part[] {
  if (steps !== undefined && !Array.isArray(steps))
    throw malformedInteraction(channelName, 'steps is not a list');
  const list = (steps ?? []) as unknown[];
  // Some servers echo the input first: only the steps after the last user_input are the answer.
  let start = 0;
  list.forEach((step, index) => {
    if (isRecord(step) && step.type === 'user_input') start = index + 1;
  });
  const parts: Part[] = [];
  let signature: string | undefined;
  const push = (part: Part) => {
    if (signature !== undefined) part.thoughtSignature = signature;
    signature = undefined;
    parts.push(part);
  };
  for (const step of list.slice(start)) {
    if (!isRecord(step)) throw malformedInteraction(channelName, 'a step is not an object');
    if (step.type === 'thought') {
      for (const block of Array.isArray(step.summary) ? step.summary : []) {
        push({ ...blockToPart(block, channelName), thought: true });
      }
      if (typeof step.signature === 'string') signature = step.signature;
    } else if (step.type === 'model_output') {
      if (step.error !== undefined) throw interactionError(step.error, channelName);
      if (step.content !== undefined && !Array.isArray(step.content))
        throw malformedInteraction(channelName, 'a model_output content is not a list');
      for (const block of (step.content ?? []) as unknown[]) push(blockToPart(block, channelName));
    }
    // Tool steps have no place in an image model's answer here: they are left out.
  }
  // A signature with nothing after it still goes back with the next turn, on an empty thought part.
  if (signature !== undefined) parts.push({ text: '', thought: true, thoughtSignature: signature });
  return parts;
}

/** A finished Interaction → the canonical answer. */
export function interactionToResponse(interaction: WireObject, channelName: string): GenerateContentResponse {
  // Google's envelope inside a 200: an error like any other.
  if (interaction.error !== undefined) throw interactionError(interaction.error, channelName);
  const finishReason = finishReasonOf(interaction, channelName);
  const candidate: Candidate = {
    content: { role: 'model', parts: stepsToParts(interaction.steps, channelName) },
  };
  candidate.finishReason = finishReason;
  candidate.index = 0;
  const response: GenerateContentResponse = { candidates: [candidate] };
  const usage = usageToMetadata(interaction.usage);
  if (usage) response.usageMetadata = usage;
  if (typeof interaction.model === 'string') response.modelVersion = interaction.model;
  if (typeof interaction.id === 'string') response.responseId = interaction.id;
  return response;
}
