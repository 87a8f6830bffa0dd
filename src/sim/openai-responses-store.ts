// The Responses API's stored responses, in memory for the life of the sim: each kept with the key
// that made it (another key sees a 404, as at OpenAI) and the conversation a follow-up continues.

import type { EngineImage } from '../engine/types.js';
import type { ConversationItem } from './openai-responses-input.js';

export interface StoredResponse {
  owner: string;
  /** The response object exactly as it was answered. */
  response: Record<string, unknown>;
  /** The whole conversation up to and including this response's output (instructions excluded). */
  conversation: ConversationItem[];
}

/** Each stored response holds its images; a bench run of thousands of calls must not grow without end. */
export const defaultStoredResponses = 1000;

export class ResponseStore {
  private readonly responses = new Map<string, StoredResponse>();

  constructor(private readonly capacity = defaultStoredResponses) {}

  /** Keeps the response; past `capacity`, the oldest one is forgotten (a later GET answers 404). */
  put(id: string, stored: StoredResponse): void {
    this.responses.set(id, stored);
    if (this.responses.size > this.capacity) {
      const oldest = this.responses.keys().next().value;
      if (oldest !== undefined) this.responses.delete(oldest);
    }
  }

  /** The stored response when `owner` made it; undefined for an unknown id or another key. */
  get(id: string, owner: string): StoredResponse | undefined {
    const stored = this.responses.get(id);
    return stored?.owner === owner ? stored : undefined;
  }

  delete(id: string, owner: string): boolean {
    if (!this.get(id, owner)) return false;
    return this.responses.delete(id);
  }

  /** The image an earlier image_generation_call of this key made, found by the call's id. */
  findImageCall(callId: string, owner: string): EngineImage | undefined {
    for (const stored of this.responses.values()) {
      if (stored.owner !== owner) continue;
      const item = stored.conversation.find((entry) => entry.kind === 'image' && entry.callId === callId);
      if (item?.kind === 'image') return item.image;
    }
    return undefined;
  }

  clear(): void {
    this.responses.clear();
  }
}
