// Stored interactions, in memory for the life of the sim: each kept with the key that made it
// (another key gets Google's 404) and the conversation a previous_interaction_id follow-up continues.

import type { Content } from '../canonical/types.js';

export interface StoredInteraction {
  owner: string;
  /** The Interaction exactly as POST answered it (output steps only). */
  interaction: Record<string, unknown>;
  /** This request's input as steps; GET shows them before the output steps. */
  inputSteps: Record<string, unknown>[];
  /** `input` as sent, for GET with include_input=true. */
  input: unknown;
  /** The whole conversation up to and including this interaction's output. */
  conversation: Content[];
}

/** Each stored interaction holds its images; a long bench run must not grow without end. */
export const defaultStoredInteractions = 1000;

export class InteractionStore {
  private readonly interactions = new Map<string, StoredInteraction>();

  constructor(private readonly capacity = defaultStoredInteractions) {}

  /** Keeps the interaction; past `capacity`, the oldest one is forgotten (a later GET answers 404). */
  put(id: string, stored: StoredInteraction): void {
    this.interactions.set(id, stored);
    if (this.interactions.size > this.capacity) {
      const oldest = this.interactions.keys().next().value;
      if (oldest !== undefined) this.interactions.delete(oldest);
    }
  }

  /** The stored interaction when `owner` made it; undefined for an unknown id or another key's. */
  get(id: string, owner: string): StoredInteraction | undefined {
    const stored = this.interactions.get(id);
    return stored?.owner === owner ? stored : undefined;
  }

  delete(id: string, owner: string): boolean {
    if (!this.get(id, owner)) return false;
    return this.interactions.delete(id);
  }

  clear(): void {
    this.interactions.clear();
  }
}
