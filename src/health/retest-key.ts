// The internal client key retests authenticate with. Its value lives only in this process's memory:
// each preparation writes a fresh random value's hash over the `imagegate-retest` row, so the key is
// never printed, logged or recoverable from the database.
import type { Kysely } from 'kysely';
import {
  createClientKey,
  type DatabaseSchema,
  generateClientKeyValue,
  getClientKey,
  hashClientKey,
} from '../store/index.js';

export const retestKeyName = 'imagegate-retest';

export class RetestCredentials {
  #value: string | undefined;
  #keyId: string | undefined;

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Creates the key when missing (controlled opt-in, no limits), else rotates it to a new value. */
  async prepare(): Promise<void> {
    const value = generateClientKeyValue();
    const existing = await getClientKey(this.db, retestKeyName);
    if (!existing) {
      const created = await createClientKey(this.db, { name: retestKeyName, value, controlled: true });
      this.#keyId = created.record.id;
    } else {
      await this.db
        .updateTable('client_keys')
        .set({
          key_hash: hashClientKey(value),
          key_prefix: value.slice(0, 8),
          revoked_at: null,
          controlled: 1,
        })
        .where('id', '=', existing.id)
        .execute();
      this.#keyId = existing.id;
    }
    this.#value = value;
  }

  get keyId(): string | undefined {
    return this.#keyId;
  }

  /** Headers that authenticate on every door; throws when prepare() has not run. */
  authorization(): Record<string, string> {
    if (this.#value === undefined) throw new Error('retest credentials are not prepared');
    return { authorization: `Bearer ${this.#value}` };
  }

  /** Keeps the value out of JSON and inspection output. */
  toJSON(): Record<string, string | undefined> {
    return { name: retestKeyName, keyId: this.#keyId };
  }
}
