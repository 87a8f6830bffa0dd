// One sub-call's canonical stream → `chat.completion.chunk` frames for its choice. The chunk that ends
// the choice is held until the stream closes, so it can carry the call's usage when asked.
import type { GenerateContentResponse, UsageMetadata } from '../../canonical/types.js';
import {
  type ChatCompletionChunk,
  type ChatReplyMeta,
  chatCompletionChunk,
  chatUsageFromMetadata,
  formatChatStreamChunk,
} from './from-canonical.js';

function hasDelta(chunk: ChatCompletionChunk): boolean {
  const delta = chunk.choices[0]?.delta ?? {};
  return delta.role !== undefined || delta.content !== undefined || delta.images !== undefined;
}

export class ChatStreamAssembler {
  private first = true;
  private finishChunk: ChatCompletionChunk | undefined;

  constructor(
    private readonly meta: ChatReplyMeta,
    private readonly choiceIndex: number,
  ) {}

  /** The frame to send now for one upstream event (none for an empty one or the held finish). */
  onEvent(response: GenerateContentResponse): Buffer[][] {
    const chunk = chatCompletionChunk(response, this.meta, {
      choiceIndex: this.choiceIndex,
      first: this.first,
    });
    if (chunk.choices[0]?.finish_reason !== null) {
      this.first = false;
      this.finishChunk = this.finishChunk ? mergeChunks(this.finishChunk, chunk) : chunk;
      return [];
    }
    if (!hasDelta(chunk)) return [];
    this.first = false;
    return [formatChatStreamChunk(chunk)];
  }

  /** The choice's closing frame (`finish_reason`, plus `usage` when `usage` is given). */
  finish(usage: UsageMetadata | undefined, includeUsage: boolean): Buffer[] {
    const chunk: ChatCompletionChunk = this.finishChunk ?? {
      id: this.meta.id,
      object: 'chat.completion.chunk',
      created: this.meta.created,
      model: this.meta.model,
      choices: [
        { index: this.choiceIndex, delta: this.first ? { role: 'assistant' } : {}, finish_reason: 'stop' },
      ],
    };
    if (includeUsage) chunk.usage = chatUsageFromMetadata([usage]);
    else delete chunk.usage;
    return formatChatStreamChunk(chunk);
  }
}

/** Two held finish chunks (a late usage-only event after the finish): keep the content of both. */
function mergeChunks(held: ChatCompletionChunk, next: ChatCompletionChunk): ChatCompletionChunk {
  const [before] = held.choices;
  const [after] = next.choices;
  const delta = { ...before.delta };
  if (after.delta.content) delta.content = (delta.content ?? '') + after.delta.content;
  if (after.delta.images) delta.images = [...(delta.images ?? []), ...after.delta.images];
  return {
    ...held,
    choices: [{ ...before, delta, finish_reason: after.finish_reason ?? before.finish_reason }],
  };
}

/** An error after the stream started: OpenAI's SDK throws on a `data:` frame with `error`. */
export function chatStreamErrorFrame(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}
