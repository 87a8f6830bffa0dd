// Tells the client which model served its request and, for an id whose shutdown is announced or
// past, when: `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a `successor-version` link.
import type { ServerResponse } from 'node:http';
import type { ServedModel } from '../catalog/served-model.js';

function epochSeconds(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);
}

/** The headers for one served request (set on the raw response so streamed answers carry them too). */
export function servedModelHeaders(
  served: ServedModel,
  today: string,
  /** The door's own resource path of a model, for the successor link. */
  modelPath: (id: string) => string,
): Record<string, string> {
  const headers: Record<string, string> = { 'x-imagegate-model': served.served.id };
  const { lifecycle, requested } = served;
  if (lifecycle.status !== 'deprecated' && lifecycle.status !== 'retired') return headers;
  // The day it became deprecated: the announcement when the catalog knows it, else no later than today.
  const shutdownPast = lifecycle.shutdown !== null && lifecycle.shutdown <= today ? lifecycle.shutdown : null;
  const since = requested.deprecated ?? shutdownPast ?? today;
  headers.deprecation = `@${epochSeconds(since)}`;
  if (lifecycle.shutdown !== null)
    headers.sunset = new Date(epochSeconds(lifecycle.shutdown) * 1000).toUTCString();
  const successor = served.served.id !== requested.id ? served.served.id : requested.successor;
  if (successor !== null) headers.link = `<${modelPath(successor)}>; rel="successor-version"`;
  return headers;
}

export function setServedModelHeaders(
  raw: ServerResponse,
  served: ServedModel,
  today: string,
  modelPath: (id: string) => string,
): void {
  for (const [name, value] of Object.entries(servedModelHeaders(served, today, modelPath))) {
    raw.setHeader(name, value);
  }
}
