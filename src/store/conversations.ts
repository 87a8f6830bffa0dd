// Stored conversation turns of the doors that keep conversations (OpenAI Responses
// `previous_response_id`, Gemini Interactions `previous_interaction_id`): each answered turn is kept
// for its client key until it expires, and a new turn reads the chain of turns it continues.

import { type Kysely, type Selectable, sql } from 'kysely';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { ConversationDoor, ConversationTurnsTable, DatabaseSchema } from './schema.js';

export type { ConversationDoor } from './schema.js';

type Database = Kysely<DatabaseSchema>;

export interface StoredTurn {
  /** The door's id (`resp_…`, an interaction id); unique per door. */
  id: string;
  door: ConversationDoor;
  /** The client key that made it. */
  keyId: string;
  previousId: string | null;
  /** The served catalog model id. */
  model: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; the turn is unreadable from this instant on. */
  expiresAt: number;
  /** JSON text: this turn's input as canonical Content[] (the door owns its shape). */
  input: string;
  /** JSON text: the door's object as answered (the door owns its shape). */
  body: string;
}

const dayMs = 86_400_000;

/** When a turn made at `createdAt` expires under a retention of `retentionDays`. */
export function expiryAfter(createdAt: number, retentionDays: number): number {
  return createdAt + retentionDays * dayMs;
}

export class ConversationStore {
  constructor(private readonly db: Database) {}

  /**
   * Stores an answered turn. The gateway makes every id, so an id stored twice is a bug: it is
   * refused (CONVERSATION_TURN_EXISTS) rather than replacing a turn another turn may continue.
   */
  async save(turn: StoredTurn): Promise<void> {
    const inserted = await this.db
      .insertInto('conversation_turns')
      .values({
        door: turn.door,
        id: turn.id,
        key_id: turn.keyId,
        previous_id: turn.previousId,
        model: turn.model,
        created_at: turn.createdAt,
        expires_at: turn.expiresAt,
        input: turn.input,
        body: turn.body,
      })
      .onConflict((conflict) => conflict.columns(['door', 'id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw errorCatalogue.CONVERSATION_TURN_EXISTS(turn.door, turn.id);
    }
  }

  /** The turn, when it exists, belongs to `keyId` and has not expired at `now`. */
  async get(door: ConversationDoor, id: string, keyId: string, now: number): Promise<StoredTurn | undefined> {
    const row = await this.db
      .selectFrom('conversation_turns')
      .selectAll()
      .where('door', '=', door)
      .where('id', '=', id)
      .where('key_id', '=', keyId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row === undefined ? undefined : toTurn(row);
  }

  /** Deletes the turn of `keyId`; false when there is none (or it is another key's). */
  async delete(door: ConversationDoor, id: string, keyId: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('conversation_turns')
      .where('door', '=', door)
      .where('id', '=', id)
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  /**
   * The turns ending at `id`, oldest first; undefined when `id` itself is not readable by `keyId`.
   * The walk back stops at an ancestor that is deleted, expired or another key's (the turns after it
   * are kept), after `maxTurns` turns (the newest kept), and at an id it has already passed.
   */
  async chain(
    door: ConversationDoor,
    id: string,
    keyId: string,
    now: number,
    maxTurns: number,
  ): Promise<StoredTurn[] | undefined> {
    if (!Number.isSafeInteger(maxTurns) || maxTurns < 1) {
      throw new RangeError(`maxTurns must be a positive integer, got ${maxTurns}`);
    }
    // One recursive query on both dialects. Its depth bound also ends a cycle of ids, which the walk
    // below then cuts at the first id seen twice; only ids travel through the recursion.
    const rows = await this.db
      .withRecursive('chain(door, id, previous_id, depth)', (recursive) =>
        recursive
          .selectFrom('conversation_turns')
          .select(['door', 'id', 'previous_id', sql<number>`1`.as('depth')])
          .where('door', '=', door)
          .where('id', '=', id)
          .where('key_id', '=', keyId)
          .where('expires_at', '>', now)
          .unionAll((step) =>
            step
              .selectFrom('conversation_turns as turn')
              .innerJoin('chain', (join) =>
                join.onRef('turn.door', '=', 'chain.door').onRef('turn.id', '=', 'chain.previous_id'),
              )
              .select(['turn.door', 'turn.id', 'turn.previous_id', sql<number>`chain.depth + 1`.as('depth')])
              .where('turn.key_id', '=', keyId)
              .where('turn.expires_at', '>', now)
              .where('chain.depth', '<', maxTurns),
          ),
      )
      .selectFrom('chain')
      .innerJoin('conversation_turns as turn', (join) =>
        join.onRef('turn.door', '=', 'chain.door').onRef('turn.id', '=', 'chain.id'),
      )
      .selectAll('turn')
      .select('chain.depth')
      .orderBy('chain.depth', 'asc')
      .execute();
    if (rows.length === 0) return undefined;
    const seen = new Set<string>();
    const newestFirst: StoredTurn[] = [];
    for (const row of rows) {
      if (seen.has(row.id)) break;
      seen.add(row.id);
      newestFirst.push(toTurn(row));
    }
    return newestFirst.reverse();
  }

  /** Deletes every turn expired at `now`; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    const deleted = await this.db
      .deleteFrom('conversation_turns')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }
}

function toTurn(row: Selectable<ConversationTurnsTable>): StoredTurn {
  return {
    id: row.id,
    door: row.door,
    keyId: row.key_id,
    previousId: row.previous_id,
    model: row.model,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    input: row.input,
    body: row.body,
  };
}
