// Versioned schema migrations, written once with Kysely's schema builder for SQLite and PostgreSQL.
// Append new migrations to the list; never edit one that has shipped.

import { type Kysely, type Migration, type MigrationResult, Migrator, PostgresAdapter, sql } from 'kysely';

/** Migrations only build schema, so they see the database without row types. */
type UntypedDatabase = Kysely<unknown>;

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

const initialSchema: Migration = {
  async up(db: UntypedDatabase) {
    const binary = isPostgres(db) ? 'bytea' : 'blob';

    await db.schema
      .createTable('client_keys')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull().unique())
      .addColumn('key_hash', 'text', (column) => column.notNull().unique())
      .addColumn('key_prefix', 'text', (column) => column.notNull())
      .addColumn('models', 'text')
      .addColumn('spend_limit_micros', 'bigint')
      .addColumn('spent_micros', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('controlled', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('requests_per_minute', 'integer')
      .addColumn('images_per_minute', 'integer')
      .addColumn('concurrency_limit', 'integer')
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();

    await db.schema
      .createTable('request_log')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('key_id', 'text')
      .addColumn('door', 'text', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('channel', 'text')
      .addColumn('status', 'integer', (column) => column.notNull())
      .addColumn('error_class', 'text')
      .addColumn('latency_ms', 'integer', (column) => column.notNull())
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('prompt_tokens', 'bigint')
      .addColumn('candidates_tokens', 'bigint')
      .addColumn('thoughts_tokens', 'bigint')
      .addColumn('total_tokens', 'bigint')
      .addColumn('input_image_tokens', 'bigint')
      .addColumn('output_image_tokens', 'bigint')
      .addColumn('images_out', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('charged_micros', 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn('stream', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
    await createIndex(db, 'request_log_key_created_idx', 'request_log', ['key_id', 'created_at']);
    await createIndex(db, 'request_log_model_created_idx', 'request_log', ['model', 'created_at']);
    await createIndex(db, 'request_log_created_idx', 'request_log', ['created_at']);

    await db.schema
      .createTable('request_attempts')
      .ifNotExists()
      .addColumn('request_id', 'text', (column) => column.notNull())
      .addColumn('attempt_no', 'integer', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('key_fingerprint', 'text')
      .addColumn('outcome', 'text', (column) => column.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('latency_ms', 'integer', (column) => column.notNull())
      .addPrimaryKeyConstraint('request_attempts_pk', ['request_id', 'attempt_no'])
      .execute();
    await createIndex(db, 'request_attempts_channel_created_idx', 'request_attempts', [
      'channel',
      'created_at',
    ]);

    await db.schema
      .createTable('ledger')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('request_id', 'text', (column) => column.notNull())
      .addColumn('key_id', 'text')
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('amount_micros', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();
    await createIndex(db, 'ledger_request_idx', 'ledger', ['request_id']);
    await createIndex(db, 'ledger_key_created_idx', 'ledger', ['key_id', 'created_at']);

    await db.schema
      .createTable('holds')
      .ifNotExists()
      .addColumn('request_id', 'text', (column) => column.primaryKey())
      .addColumn('key_id', 'text')
      .addColumn('amount_micros', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('state', 'text', (column) => column.notNull().defaultTo('open'))
      .addColumn('closed_at', 'bigint')
      .execute();
    await createIndex(db, 'holds_key_state_idx', 'holds', ['key_id', 'state']);

    await db.schema
      .createTable('retest_results')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('door', 'text', (column) => column.notNull())
      .addColumn('outcome', 'text', (column) => column.notNull())
      .addColumn('error_class', 'text')
      .addColumn('latency_ms', 'integer')
      .addColumn('usage', 'text')
      .addColumn('billed_micros', 'bigint')
      .addColumn('expected_micros', 'bigint')
      .addColumn('input_thumb', binary)
      .addColumn('output_thumb', binary)
      .addColumn('details', 'text')
      .execute();
    await createIndex(db, 'retest_results_model_created_idx', 'retest_results', ['model', 'created_at']);
    await createIndex(db, 'retest_results_channel_created_idx', 'retest_results', ['channel', 'created_at']);

    await db.schema
      .createTable('channel_state')
      .ifNotExists()
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('key_fingerprint', 'text', (column) => column.notNull().defaultTo(''))
      .addColumn('circuit', 'text', (column) => column.notNull().defaultTo('closed'))
      .addColumn('consecutive_failures', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('last_error_class', 'text')
      .addColumn('last_error_at', 'bigint')
      .addColumn('last_success_at', 'bigint')
      .addColumn('opened_at', 'bigint')
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('channel_state_pk', ['channel', 'model', 'key_fingerprint'])
      .execute();
  },

  async down(db: UntypedDatabase) {
    for (const table of [
      'channel_state',
      'retest_results',
      'holds',
      'ledger',
      'request_attempts',
      'request_log',
      'client_keys',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

async function createIndex(
  db: UntypedDatabase,
  name: string,
  table: string,
  columns: string[],
): Promise<void> {
  await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
}

/** Billing: reserved spend per key, what a hold needs for crash recovery, and drift evidence. */
const billingHoldsAndEvidence: Migration = {
  async up(db: UntypedDatabase) {
    await db.schema
      .alterTable('client_keys')
      .addColumn('reserved_micros', 'bigint', (column) => column.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('holds').addColumn('door', 'text').execute();
    await db.schema.alterTable('holds').addColumn('model', 'text').execute();
    await db.schema.alterTable('holds').addColumn('stream', 'integer').execute();
    await db.schema
      .createTable('billing_evidence')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('request_id', 'text', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('charged_micros', 'bigint', (column) => column.notNull())
      .addColumn('computed_micros', 'bigint')
      .addColumn('expected_micros', 'bigint')
      .addColumn('reported_tokens', 'bigint')
      .addColumn('expected_tokens', 'bigint')
      .addColumn('drift_ppm', 'bigint')
      .addColumn('details', 'text')
      .execute();
    await createIndex(db, 'billing_evidence_route_created_idx', 'billing_evidence', [
      'model',
      'channel',
      'created_at',
    ]);
  },

  async down(db: UntypedDatabase) {
    await db.schema.dropTable('billing_evidence').ifExists().execute();
    for (const column of ['door', 'model', 'stream']) {
      await db.schema.alterTable('holds').dropColumn(column).execute();
    }
    await db.schema.alterTable('client_keys').dropColumn('reserved_micros').execute();
  },
};

/** Which gateway process placed a hold, so recovery releases only holds of processes that are gone. */
const holdOwner: Migration = {
  async up(db: UntypedDatabase) {
    await db.schema.alterTable('holds').addColumn('owner', 'text').execute();
  },
};

/**
 * A client's own request id (`x-request-id`) names one request per key: the primary key makes the
 * database refuse a second claim, on every replica at once. The gateway's own id stays the key of the
 * request's log, hold and ledger rows; the log row also keeps the client's id, to find it by.
 */
const clientRequestIds: Migration = {
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('client_request_ids')
      .ifNotExists()
      .addColumn('key_id', 'text', (column) => column.notNull())
      .addColumn('client_request_id', 'text', (column) => column.notNull())
      .addColumn('request_id', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('client_request_ids_pk', ['key_id', 'client_request_id'])
      .execute();
    await db.schema.alterTable('request_log').addColumn('client_request_id', 'text').execute();
  },

  async down(db: UntypedDatabase) {
    await db.schema.alterTable('request_log').dropColumn('client_request_id').execute();
    await db.schema.dropTable('client_request_ids').ifExists().execute();
  },
};

/**
 * What each channel's upstream lists (from `imagegate models sync`) and the routes whose upstream lost
 * the model: not listed by a sync, or NOT_FOUND from a live call or a retest. Times are epoch ms.
 */
const routePresence: Migration = {
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('upstream_models')
      .ifNotExists()
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('upstream_id', 'text', (column) => column.notNull())
      .addColumn('shutdown_date', 'text')
      .addColumn('first_seen', 'bigint', (column) => column.notNull())
      .addColumn('last_seen', 'bigint', (column) => column.notNull())
      .addColumn('listed', 'integer', (column) => column.notNull().defaultTo(1))
      .addPrimaryKeyConstraint('upstream_models_pk', ['channel', 'upstream_id'])
      .execute();
    await db.schema
      .createTable('route_gone')
      .ifNotExists()
      .addColumn('channel', 'text', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('upstream_id', 'text', (column) => column.notNull())
      .addColumn('reason', 'text', (column) => column.notNull())
      .addColumn('source', 'text', (column) => column.notNull())
      .addColumn('since', 'bigint', (column) => column.notNull())
      .addColumn('detail', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('route_gone_pk', ['channel', 'model'])
      .execute();
  },

  async down(db: UntypedDatabase) {
    await db.schema.dropTable('route_gone').ifExists().execute();
    await db.schema.dropTable('upstream_models').ifExists().execute();
  },
};

/**
 * Stored conversation turns of the doors that keep conversations (OpenAI Responses, Gemini
 * Interactions): one row per answered turn, readable by the client key that made it until it expires.
 */
const conversationTurns: Migration = {
  async up(db: UntypedDatabase) {
    await db.schema
      .createTable('conversation_turns')
      .ifNotExists()
      .addColumn('door', 'text', (column) => column.notNull())
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('key_id', 'text', (column) => column.notNull())
      .addColumn('previous_id', 'text')
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('input', 'text', (column) => column.notNull())
      .addColumn('body', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('conversation_turns_pk', ['door', 'id'])
      .execute();
    // The hourly purge deletes by expiry.
    await createIndex(db, 'conversation_turns_expires_idx', 'conversation_turns', ['expires_at']);
  },

  async down(db: UntypedDatabase) {
    await db.schema.dropTable('conversation_turns').ifExists().execute();
  },
};

/** Every migration, keyed by a name that sorts in the order they must run. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial_schema': initialSchema,
  '0002_billing_holds_and_evidence': billingHoldsAndEvidence,
  '0003_hold_owner': holdOwner,
  '0004_client_request_ids': clientRequestIds,
  '0005_route_presence': routePresence,
  '0006_conversation_turns': conversationTurns,
};

/** Brings the schema up to date; safe to call on every start and from several replicas at once. */
export async function migrateToLatest<Schema>(db: Kysely<Schema>): Promise<MigrationResult[]> {
  const untyped = db as unknown as UntypedDatabase;
  const migrator = new Migrator({
    db: untyped,
    provider: { getMigrations: async () => ({ ...migrations }) },
    // On PostgreSQL Kysely looks for its bookkeeping tables in every schema unless told which one,
    // so a second imagegate schema in the same database would look already migrated.
    migrationTableSchema: isPostgres(untyped) ? await currentSchema(untyped) : undefined,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${describe(error)}`, { cause: error });
  }
  return results ?? [];
}

async function currentSchema(db: UntypedDatabase): Promise<string> {
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = result.rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema; check search_path in the database URL');
  return schema;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
