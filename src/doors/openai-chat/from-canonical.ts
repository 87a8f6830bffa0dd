// Canonical responses → OpenAI `chat.completion` (one choice per upstream call) with
// `message.images[]`, and the `chat.completion.chunk` stream frames with `delta.images`.
import { imageUrlOf, jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { Candidate, GenerateContentResponse, Part, UsageMetadata } from '../../canonical/types.js';
import { type ChatFinishReason, chatFinishReason } from './map-finish-reason.js';

export interface ChatImage {
  type: 'image_url';
  image_url: { url: string };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details: { reasoning_tokens: number; image_tokens: number };
}

export interface ChatCompletionBody {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; images?: ChatImage[] };
    finish_reason: ChatFinishReason | null;
  }[];
  usage: ChatUsage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string; images?: ChatImage[] };
    finish_reason: ChatFinishReason | null;
  }[];
  usage?: ChatUsage;
}

export interface ChatReplyMeta {
  /** `chatcmpl-…`, made by the caller (ids are injected, not generated here). */
  id: string;
  created: number;
  model: string;
}

function visibleParts(candidate: Candidate | undefined): Part[] {
  return (candidate?.content?.parts ?? []).filter((part) => part.thought !== true);
}

function textOf(parts: readonly Part[]): string {
  return parts.map((part) => part.text ?? '').join('');
}

function imagesOf(parts: readonly Part[]): ChatImage[] {
  const images: ChatImage[] = [];
  for (const part of parts) {
    if (part.inlineData?.mimeType.startsWith('image/')) {
      // Built only when read: the JSON writer copies the image's bytes in instead (json-with-images.ts).
      const imageUrl = imageUrlOf(`data:${part.inlineData.mimeType};base64,`, part.inlineData);
      images.push({ type: 'image_url', image_url: imageUrl });
    } else if (part.fileData && (part.fileData.mimeType ?? 'image/').startsWith('image/')) {
      images.push({ type: 'image_url', image_url: { url: part.fileData.fileUri } });
    }
  }
  return images;
}

/** The reason a reply ended: the candidate's, else a blocked prompt's, else none yet. */
function finishReasonOf(response: GenerateContentResponse, candidate: Candidate | undefined) {
  if (candidate?.finishReason) return chatFinishReason(candidate.finishReason);
  if (response.promptFeedback?.blockReason) return chatFinishReason(response.promptFeedback.blockReason);
  return null;
}

/** prompt = promptTokenCount; completion = candidates + thoughts (thinking is billed as output). */
export function chatUsageFromMetadata(usages: readonly (UsageMetadata | undefined)[]): ChatUsage {
  const usage: ChatUsage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 },
  };
  for (const metadata of usages) {
    const thoughts = metadata?.thoughtsTokenCount ?? 0;
    usage.prompt_tokens += metadata?.promptTokenCount ?? 0;
    usage.completion_tokens += (metadata?.candidatesTokenCount ?? 0) + thoughts;
    usage.completion_tokens_details.reasoning_tokens += thoughts;
    usage.completion_tokens_details.image_tokens += (metadata?.candidatesTokensDetails ?? [])
      .filter((entry) => entry.modality === 'IMAGE')
      .reduce((sum, entry) => sum + entry.tokenCount, 0);
  }
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return usage;
}

export function chatCompletionFromCanonical(
  responses: readonly GenerateContentResponse[],
  meta: ChatReplyMeta,
): ChatCompletionBody {
  const choices: ChatCompletionBody['choices'] = [];
  for (const response of responses) {
    const candidates: (Candidate | undefined)[] = response.candidates?.length
      ? response.candidates
      : [undefined];
    for (const candidate of candidates) {
      const parts = visibleParts(candidate);
      const text = textOf(parts);
      const images = imagesOf(parts);
      const message: ChatCompletionBody['choices'][number]['message'] = {
        role: 'assistant',
        content: text === '' ? null : text,
      };
      if (images.length > 0) message.images = images;
      choices.push({
        index: choices.length,
        message,
        finish_reason: finishReasonOf(response, candidate) ?? 'stop',
      });
    }
  }
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices,
    usage: chatUsageFromMetadata(responses.map((response) => response.usageMetadata)),
  };
}

/**
 * One upstream stream chunk → one `chat.completion.chunk`. The first chunk of a choice carries
 * `role`; the chunk that ends it carries `finish_reason` (and `usage` when `usage` is given).
 */
export function chatCompletionChunk(
  response: GenerateContentResponse,
  meta: ChatReplyMeta,
  options: { choiceIndex?: number; first?: boolean; includeUsage?: boolean } = {},
): ChatCompletionChunk {
  const candidate = response.candidates?.[0];
  const parts = visibleParts(candidate);
  const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
  if (options.first) delta.role = 'assistant';
  const text = textOf(parts);
  if (text !== '') delta.content = text;
  const images = imagesOf(parts);
  if (images.length > 0) delta.images = images;
  const finishReason = finishReasonOf(response, candidate);
  const chunk: ChatCompletionChunk = {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: options.choiceIndex ?? 0, delta, finish_reason: finishReason }],
  };
  if (finishReason !== null && options.includeUsage)
    chunk.usage = chatUsageFromMetadata([response.usageMetadata]);
  return chunk;
}

/** OpenAI's `stream_options.include_usage` frame: no choices, the whole request's usage. */
export function chatUsageChunk(usage: ChatUsage, meta: ChatReplyMeta): ChatCompletionChunk {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [],
    usage,
  };
}

const framePrefix = Buffer.from('data: ');
const frameEnd = Buffer.from('\n\n');

/** One SSE frame in pieces; an image read lazily from the upstream's bytes is a view of them. */
export function formatChatStreamChunk(chunk: ChatCompletionChunk): Buffer[] {
  return [framePrefix, ...jsonWithImagesPieces(chunk), frameEnd];
}

export const chatStreamDone = 'data: [DONE]\n\n';
