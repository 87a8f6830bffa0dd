// The store's public API: open the database, migrate it, and the repositories built on it.

export {
  type DatabaseLocation,
  openDatabase,
  resolveDatabaseLocation,
  type StoreDatabase,
  type StoreDialect,
} from './database.js';
export { migrateToLatest, migrations } from './migrations.js';
export type * from './schema.js';
export {
  addClientKeySpend,
  type ClientKeyLookup,
  type ClientKeyRecord,
  type ClientKeySettings,
  type ClientKeyUpdate,
  type CreateClientKeyInput,
  type CreatedClientKey,
  createClientKey,
  findClientKeyByValue,
  generateClientKeyValue,
  getClientKey,
  hashClientKey,
  listClientKeys,
  revokeClientKey,
  updateClientKey,
} from './client-keys.js';
export {
  insertEntries as insertRequestLogEntries,
  insertRequestLogNow,
  queryRequestLog,
  type RequestAttemptEntry,
  type RequestLogEntry,
  type RequestLogQuery,
  type RequestLogRow,
  RequestLogWriter,
  type RequestLogWriterOptions,
} from './request-log.js';
export { ConversationStore, expiryAfter, type StoredTurn } from './conversations.js';
export { type ConversationPurgeOptions, startConversationPurge } from './conversation-purge.js';
export { type UsageSummaryQuery, type UsageSummaryRow, usageSummary } from './usage.js';
