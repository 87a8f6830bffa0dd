// Renders a GatewayError in Google's envelope: {"error":{"code","message","status","details"}}, with
// every configured secret scrubbed from what is shown (the last line of defence).
import type { GatewayError } from '../../canonical/errors.js';
import { scrubOutgoingText, scrubOutgoingValue } from '../../security/known-secrets.js';

export function geminiErrorBody(error: GatewayError): { error: Record<string, unknown> } {
  const details: unknown[] = error.details ? (scrubOutgoingValue(error.details) as unknown[]) : [];
  const hasRetryInfo = details.some(
    (detail) => (detail as { '@type'?: string })['@type'] === 'type.googleapis.com/google.rpc.RetryInfo',
  );
  if (error.retryAfterSeconds !== undefined && !hasRetryInfo) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${error.retryAfterSeconds}s`,
    });
  }
  if (error.param && error.httpStatus === 400 && details.length === 0) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [
        { field: scrubOutgoingText(error.param), description: scrubOutgoingText(error.message) },
      ],
    });
  }
  const body: Record<string, unknown> = {
    code: error.httpStatus,
    message: scrubOutgoingText(error.message),
    status: error.status,
  };
  if (details.length > 0) body.details = details;
  return { error: body };
}
