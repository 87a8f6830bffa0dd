// Client keys: created once and shown once, stored only as a SHA-256 hash, looked up by hash.
// Also the idempotent bootstrap key (IMAGEGATE_BOOTSTRAP_KEY) and revoke/update for the CLI and admin API.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { ClientKeysTable, DatabaseSchema } from './schema.js';

export interface ClientKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the key (hex); safe to use as a cache or rate-limit key. */
  keyHash: string;
  /** First 8 characters of the key, for display. */
  keyPrefix: string;
  /** Allowed public model ids; null means every model. */
  models: string[] | null;
  spendLimitMicros: number | null;
  spentMicros: number;
  /** Sum of the key's open holds (requests in flight). */
  reservedMicros: number;
  /** Opted in to models with status `controlled`. */
  controlled: boolean;
  requestsPerMinute: number | null;
  imagesPerMinute: number | null;
  concurrencyLimit: number | null;
  /** Epoch milliseconds. */
  expiresAt: number | null;
  /** Epoch milliseconds. */
  revokedAt: number | null;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface ClientKeySettings {
  models?: string[] | null;
  spendLimitMicros?: number | null;
  controlled?: boolean;
  requestsPerMinute?: number | null;
  imagesPerMinute?: number | null;
  concurrencyLimit?: number | null;
  /** Epoch milliseconds. */
  expiresAt?: number | null;
}

export interface CreateClientKeyInput extends ClientKeySettings {
  name: string;
  /** Use exactly this key instead of a random one (the bootstrap key). Idempotent by value. */
  value?: string;
}

export interface CreatedClientKey {
  record: ClientKeyRecord;
  /** The key itself. Only available here; the store keeps its hash. */
  key: string;
}

export type ClientKeyLookup =
  | { record: ClientKeyRecord; usable: true }
  | { record: ClientKeyRecord; usable: false; reason: 'revoked' | 'expired' };

export type ClientKeyUpdate = ClientKeySettings & { name?: string };

type Database = Kysely<DatabaseSchema>;

const keyPrefixLength = 8;

export function hashClientKey(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function generateClientKeyValue(): string {
  return 'ig_' + randomBytes(32).toString('base64url');
}

export async function createClientKey(db: Database, input: CreateClientKeyInput): Promise<CreatedClientKey> {
  const name = input.name.trim();
  if (name === '') throw new Error('a client key needs a non-empty name');
  if (input.value !== undefined && input.value.trim() === '') {
    throw new Error('a client key value, when given, must not be empty');
  }
  const key = input.value ?? generateClientKeyValue();
  const keyHash = hashClientKey(key);

  if (input.value !== undefined) {
    const existing = await selectOne(db, 'key_hash', keyHash);
    if (existing) return { record: existing, key };
  }
  const sameName = await selectOne(db, 'name', name);
  if (sameName) {
    // Another replica may have inserted the same bootstrap key since the look-up by hash above.
    if (input.value !== undefined && sameName.keyHash === keyHash) return { record: sameName, key };
    throw new Error(`a client key named "${name}" already exists`);
  }

  try {
    const row = await db
      .insertInto('client_keys')
      .values({
        id: 'key_' + randomBytes(9).toString('base64url'),
        name,
        key_hash: keyHash,
        key_prefix: key.slice(0, keyPrefixLength),
        created_at: Date.now(),
        ...settingsToColumns(input),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { record: toRecord(row), key };
  } catch (error) {
    // Another replica may have inserted the same bootstrap key between our check and insert.
    const raced = input.value !== undefined ? await selectOne(db, 'key_hash', keyHash) : undefined;
    if (raced) return { record: raced, key };
    throw error;
  }
}

/** Finds the key a client presented. Undefined when no such key exists. */
export async function findClientKeyByValue(
  db: Database,
  value: string,
  now: number = Date.now(),
): Promise<ClientKeyLookup | undefined> {
  const presentedHash = hashClientKey(value);
  const record = await selectOne(db, 'key_hash', presentedHash);
  if (!record) return undefined;
  // The lookup is by hash already; the constant-time compare keeps the final check free of timing leaks.
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(record.keyHash, 'hex');
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return undefined;
  if (record.revokedAt !== null) return { record, usable: false, reason: 'revoked' };
  if (record.expiresAt !== null && record.expiresAt <= now)
    return { record, usable: false, reason: 'expired' };
  return { record, usable: true };
}

export async function getClientKey(db: Database, idOrName: string): Promise<ClientKeyRecord | undefined> {
  return (await selectOne(db, 'id', idOrName)) ?? (await selectOne(db, 'name', idOrName));
}

export async function listClientKeys(
  db: Database,
  options: { includeRevoked?: boolean } = {},
): Promise<ClientKeyRecord[]> {
  let query = db.selectFrom('client_keys').selectAll().orderBy('created_at').orderBy('name');
  if (options.includeRevoked === false) query = query.where('revoked_at', 'is', null);
  return (await query.execute()).map(toRecord);
}

/** Revokes a key by id or name. Revoking twice keeps the first time. Undefined when not found. */
export async function revokeClientKey(
  db: Database,
  idOrName: string,
  now: number = Date.now(),
): Promise<ClientKeyRecord | undefined> {
  const record = await getClientKey(db, idOrName);
  if (!record) return undefined;
  if (record.revokedAt !== null) return record;
  const row = await db
    .updateTable('client_keys')
    .set({ revoked_at: now })
    .where('id', '=', record.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** Changes a key's name or limits; fields left out stay as they are. Undefined when not found. */
export async function updateClientKey(
  db: Database,
  idOrName: string,
  update: ClientKeyUpdate,
): Promise<ClientKeyRecord | undefined> {
  const record = await getClientKey(db, idOrName);
  if (!record) return undefined;
  const columns: Updateable<ClientKeysTable> = settingsToColumns(update);
  if (update.name !== undefined) {
    const name = update.name.trim();
    if (name === '') throw new Error('a client key needs a non-empty name');
    columns.name = name;
  }
  if (Object.keys(columns).length === 0) return record;
  const row = await db
    .updateTable('client_keys')
    .set(columns)
    .where('id', '=', record.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** Adds settled spend to a key atomically (no read-modify-write across replicas). */
export async function addClientKeySpend(db: Database, keyId: string, amountMicros: number): Promise<void> {
  if (!Number.isSafeInteger(amountMicros)) throw new RangeError('amountMicros must be an integer');
  await db
    .updateTable('client_keys')
    .set((expression) => ({ spent_micros: expression('spent_micros', '+', amountMicros) }))
    .where('id', '=', keyId)
    .execute();
}

function settingsToColumns(settings: ClientKeySettings): Updateable<ClientKeysTable> {
  const columns: Updateable<ClientKeysTable> = {};
  if (settings.models !== undefined) {
    columns.models = settings.models === null ? null : JSON.stringify(settings.models);
  }
  if (settings.spendLimitMicros !== undefined) columns.spend_limit_micros = settings.spendLimitMicros;
  if (settings.controlled !== undefined) columns.controlled = settings.controlled ? 1 : 0;
  if (settings.requestsPerMinute !== undefined) columns.requests_per_minute = settings.requestsPerMinute;
  if (settings.imagesPerMinute !== undefined) columns.images_per_minute = settings.imagesPerMinute;
  if (settings.concurrencyLimit !== undefined) columns.concurrency_limit = settings.concurrencyLimit;
  if (settings.expiresAt !== undefined) columns.expires_at = settings.expiresAt;
  return columns;
}

async function selectOne(
  db: Database,
  column: 'id' | 'name' | 'key_hash',
  value: string,
): Promise<ClientKeyRecord | undefined> {
  const row = await db.selectFrom('client_keys').selectAll().where(column, '=', value).executeTakeFirst();
  return row && toRecord(row);
}

function toRecord(row: Selectable<ClientKeysTable>): ClientKeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    keyPrefix: row.key_prefix,
    models: row.models === null ? null : parseModels(row.models),
    spendLimitMicros: nullableNumber(row.spend_limit_micros),
    spentMicros: Number(row.spent_micros),
    reservedMicros: Number(row.reserved_micros ?? 0),
    controlled: Number(row.controlled) === 1,
    requestsPerMinute: nullableNumber(row.requests_per_minute),
    imagesPerMinute: nullableNumber(row.images_per_minute),
    concurrencyLimit: nullableNumber(row.concurrency_limit),
    expiresAt: nullableNumber(row.expires_at),
    revokedAt: nullableNumber(row.revoked_at),
    createdAt: Number(row.created_at),
  };
}

function parseModels(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((model) => typeof model === 'string')) {
    throw new Error(`client_keys.models holds ${json}, expected a JSON array of model ids`);
  }
  return parsed;
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
