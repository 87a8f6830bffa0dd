// The gateway keys a request's rows by its own id; a test that sent its own x-request-id finds them
// through the request log's client_request_id.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../src/store/index.js';

export async function gatewayRequestId(db: Kysely<DatabaseSchema>, clientRequestId: string): Promise<string> {
  const row = await db
    .selectFrom('request_log')
    .select('id')
    .where('client_request_id', '=', clientRequestId)
    .executeTakeFirstOrThrow();
  return row.id;
}
