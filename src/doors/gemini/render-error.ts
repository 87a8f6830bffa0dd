// Renders a GatewayError in Google's envelope: {"error":{"code","message","status","details"}}. Pure.
import type { GatewayError } from '../../canonical/errors.js';

export function geminiErrorBody(error: GatewayError): { error: Record<string, unknown> } {
  const details: unknown[] = [...(error.details ?? [])];
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
      fieldViolations: [{ field: error.param, description: error.message }],
    });
  }
  const body: Record<string, unknown> = {
    code: error.httpStatus,
    message: error.message,
    status: error.status,
  };
  if (details.length > 0) body.details = details;
  return { error: body };
}
