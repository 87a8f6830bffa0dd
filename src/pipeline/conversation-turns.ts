// The stored turns of the doors that keep conversations, whatever the door: the turns a request
// continues, and keeping an answered turn for GET and later turns (src/store/conversations.ts).
import type { ConversationsConfig } from '../config/types.js';
import type { Logger } from '../security/logger.js';
import { type ConversationStore, expiryAfter, type StoredTurn } from '../store/conversations.js';

export interface ConversationDeps {
  conversations: Pick<ConversationStore, 'save' | 'get' | 'delete' | 'chain'>;
  conversationPolicy: ConversationsConfig;
  logger: Logger;
}

/** The turns ending at `previousId` (this key's own, unexpired, the newest maxTurns); undefined when unreadable. */
export function continuedTurns(
  deps: ConversationDeps,
  door: StoredTurn['door'],
  previousId: string,
  keyId: string,
): Promise<StoredTurn[] | undefined> {
  return deps.conversations.chain(door, previousId, keyId, Date.now(), deps.conversationPolicy.maxTurns);
}

/**
 * Keeps an answered turn for the retention period. The answer is paid for and goes out either way,
 * so a turn the database refuses is logged, not thrown: only GET and continuing it will 404.
 */
export async function keepTurn(
  deps: ConversationDeps,
  turn: Omit<StoredTurn, 'createdAt' | 'expiresAt'>,
): Promise<void> {
  const now = Date.now();
  try {
    await deps.conversations.save({
      ...turn,
      createdAt: now,
      expiresAt: expiryAfter(now, deps.conversationPolicy.retentionDays),
    });
  } catch (error) {
    deps.logger.error({ err: error, door: turn.door, id: turn.id }, 'could not store the conversation turn');
  }
}
