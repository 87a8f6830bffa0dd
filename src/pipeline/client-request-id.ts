// A client's own request id (`x-request-id`). The gateway always names a request by its own id
// (src/server/request-id.ts); the client's id is kept beside it and claimed once per key before the
// upstream call (src/billing/ledger-transaction.ts), so a replayed id is refused, never served again.
import type { IncomingHttpHeaders } from 'node:http';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { ClientRequestRef } from '../billing/ledger.js';

const clientRequestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The client's request id for the HTTP request the gateway calls `requestId`, or undefined when it
 * sent none. An id the gateway cannot keep is refused (400) rather than ignored: a client that
 * relies on it to avoid paying twice must know it was not used.
 */
export function clientRequestOf(
  headers: IncomingHttpHeaders,
  requestId: string,
): ClientRequestRef | undefined {
  const value = headers['x-request-id'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !clientRequestIdPattern.test(value)) {
    throw errorCatalogue.INVALID_REQUEST_ID(
      'x-request-id must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-", sent once.',
    );
  }
  return { id: value, requestId };
}
