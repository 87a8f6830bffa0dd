// Canonical answers → Google's Interaction object: the answer's parts as a `model_output` step
// (text and image blocks, thoughts as a `thought` step), usage in the Interactions names.
import type {
  Content,
  GenerateContentResponse,
  ModalityTokenCount,
  Part,
  UsageMetadata,
} from '../../canonical/types.js';
import { withImageField } from '../../canonical/json-with-images.js';
import type { InteractionBody } from './schema.js';

export interface ContentBlock {
  type: 'text' | 'image';
  text?: string;
  data?: string;
  mime_type?: string;
}

export interface InteractionStep {
  type: 'user_input' | 'model_output' | 'thought';
  content?: ContentBlock[];
  summary?: ContentBlock[];
  signature?: string;
}

export interface InteractionUsage {
  total_input_tokens: number;
  input_tokens_by_modality: { modality: string; tokens: number }[];
  total_cached_tokens: number;
  total_output_tokens: number;
  output_tokens_by_modality: { modality: string; tokens: number }[];
  total_thought_tokens: number;
  total_tokens: number;
}

export interface InteractionObject {
  id: string;
  status: 'in_progress' | 'completed' | 'failed' | 'incomplete';
  model: string;
  created: string;
  updated: string;
  previous_interaction_id?: string;
  system_instruction?: string;
  generation_config?: unknown;
  response_format?: unknown;
  steps?: InteractionStep[];
  usage?: InteractionUsage;
  errors?: { code: string; message: string }[];
}

export interface InteractionMeta {
  id: string;
  model: string;
  created: string;
  body: InteractionBody;
}

/** `2026-12-06T13:40:31Z`: ISO 8601 to the second, as Google's examples show it. */
export function isoSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

export function interactionShell(
  meta: InteractionMeta,
  status: InteractionObject['status'],
): InteractionObject {
  const shell: InteractionObject = {
    id: meta.id,
    status,
    model: meta.model,
    created: meta.created,
    updated: isoSeconds(Date.now()),
  };
  const { body } = meta;
  if (body.previous_interaction_id) shell.previous_interaction_id = body.previous_interaction_id;
  if (body.system_instruction) shell.system_instruction = body.system_instruction;
  if (body.generation_config) shell.generation_config = body.generation_config;
  if (body.response_format) shell.response_format = body.response_format;
  return shell;
}

/** One canonical part → a content block (its image written from the upstream's bytes). */
export function blockOf(part: Part): ContentBlock | undefined {
  if (part.inlineData?.mimeType.startsWith('image/')) {
    return withImageField(
      { type: 'image', mime_type: part.inlineData.mimeType } as ContentBlock,
      'data',
      '',
      part.inlineData,
    );
  }
  if (typeof part.text === 'string' && part.text !== '') return { type: 'text', text: part.text };
  return undefined;
}

/** The answer's parts as steps: thoughts (with their signature) first, then the model output. */
export function stepsOf(responses: readonly GenerateContentResponse[]): InteractionStep[] {
  const output: ContentBlock[] = [];
  const summary: ContentBlock[] = [];
  let signature: string | undefined;
  for (const response of responses) {
    for (const candidate of response.candidates ?? []) {
      for (const part of candidate.content?.parts ?? []) {
        // The first signature, as streams send it: Gemini signs the first part after its thoughts.
        if (typeof part.thoughtSignature === 'string') signature ??= part.thoughtSignature;
        const block = blockOf(part);
        if (!block) continue;
        (part.thought === true ? summary : output).push(block);
      }
    }
  }
  const steps: InteractionStep[] = [];
  if (summary.length > 0 || signature) {
    const thought: InteractionStep = { type: 'thought' };
    if (summary.length > 0) thought.summary = summary;
    if (signature) thought.signature = signature;
    steps.push(thought);
  }
  if (output.length > 0) steps.push({ type: 'model_output', content: output });
  return steps;
}

function byModality(details: readonly ModalityTokenCount[] | undefined) {
  return (details ?? []).map((entry) => ({
    modality: String(entry.modality ?? 'text').toLowerCase(),
    tokens: entry.tokenCount ?? 0,
  }));
}

export function interactionUsage(usage: UsageMetadata | undefined): InteractionUsage {
  const input = usage?.promptTokenCount ?? 0;
  const output = usage?.candidatesTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  return {
    total_input_tokens: input,
    input_tokens_by_modality: byModality(usage?.promptTokensDetails),
    total_cached_tokens: usage?.cachedContentTokenCount ?? 0,
    total_output_tokens: output,
    output_tokens_by_modality: byModality(usage?.candidatesTokensDetails),
    total_thought_tokens: thoughts,
    total_tokens: usage?.totalTokenCount ?? input + output + thoughts,
  };
}

/** Why an answer has nothing to show: the block reason or finish reason the upstream gave. */
function emptyReason(responses: readonly GenerateContentResponse[]): string {
  for (const response of responses) {
    if (response.promptFeedback?.blockReason) return String(response.promptFeedback.blockReason);
    for (const candidate of response.candidates ?? []) {
      if (candidate.finishReason) return String(candidate.finishReason);
    }
  }
  return 'NO_CONTENT';
}

/** Google's status for an output cut short by `max_output_tokens`. */
function cutShort(responses: readonly GenerateContentResponse[]): boolean {
  return responses.some((response) =>
    (response.candidates ?? []).some((candidate) => candidate.finishReason === 'MAX_TOKENS'),
  );
}

/**
 * The finished Interaction: `completed` with its steps, `incomplete` when max_output_tokens cut it
 * short, or `failed` when the answer held nothing.
 */
export function completedInteraction(
  meta: InteractionMeta,
  responses: readonly GenerateContentResponse[],
  usage: UsageMetadata | undefined,
): InteractionObject {
  const steps = stepsOf(responses);
  const hasOutput = steps.some((step) => step.type === 'model_output');
  const status = !hasOutput ? 'failed' : cutShort(responses) ? 'incomplete' : 'completed';
  const interaction = interactionShell(meta, status);
  interaction.steps = steps;
  interaction.usage = interactionUsage(usage);
  if (!hasOutput) {
    const reason = emptyReason(responses);
    interaction.errors = [{ code: reason, message: `The model answered with no output (${reason}).` }];
  }
  return interaction;
}

/** The user_input step of a stored turn, for GET (which shows the whole timeline). */
export function userInputSteps(input: readonly Content[]): InteractionStep[] {
  return input
    .filter((content) => content.role === 'user')
    .map((content) => ({
      type: 'user_input' as const,
      content: (content.parts ?? []).map(blockOf).filter((block) => block !== undefined),
    }));
}
