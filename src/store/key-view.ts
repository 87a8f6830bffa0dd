// A client key as the CLI and the admin API show it: no secret, money in USD, times as ISO 8601.
import type { ClientKeyRecord } from './client-keys.js';

export function keyView(record: ClientKeyRecord) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.keyPrefix,
    models: record.models,
    spendLimitUsd: record.spendLimitMicros === null ? null : record.spendLimitMicros / 1e6,
    spentUsd: record.spentMicros / 1e6,
    controlled: record.controlled,
    requestsPerMinute: record.requestsPerMinute,
    imagesPerMinute: record.imagesPerMinute,
    concurrencyLimit: record.concurrencyLimit,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
  };
}
