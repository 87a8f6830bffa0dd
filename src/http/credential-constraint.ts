// A route constraint on the kind of credential a request presents: `GET /v1/models[/{id}]` is both
// Gemini's v1 models resource and OpenAI's model list, told apart by the key. A Google key
// (`x-goog-api-key` or `?key=`) without a Bearer key derives "google"; anything else derives
// nothing, so only the routes without this constraint match.
import type { IncomingMessage } from 'node:http';

export const credentialConstraintName = 'credential';

/** The value a route names in `constraints: { credential: googleCredential }`. */
export const googleCredential = 'google';

export function credentialOf(request: IncomingMessage): string | undefined {
  // A Bearer key means an OpenAI client, whatever other key headers it also sends.
  if (/^\s*Bearer\s/i.test(request.headers.authorization ?? '')) return undefined;
  const header = request.headers['x-goog-api-key'];
  if (typeof header === 'string' && header.trim()) return googleCredential;
  const url = request.url ?? '';
  const query = url.indexOf('?');
  if (query >= 0 && new URLSearchParams(url.slice(query + 1)).get('key')?.trim()) return googleCredential;
  return undefined;
}

/** find-my-way's constraint strategy shape (Fastify's `constraints` option). */
export const credentialConstraint = {
  name: credentialConstraintName,
  storage<Store>() {
    const stores = new Map<string, Store>();
    return {
      get: (value: string): Store | null => stores.get(value) ?? null,
      set: (value: string, store: Store) => {
        stores.set(value, store);
      },
    };
  },
  /** Checked when a route is registered: a typo in a route's constraint fails at startup. */
  validate(value: unknown) {
    if (value !== googleCredential) throw new TypeError(`Unknown credential constraint ${String(value)}.`);
  },
  // find-my-way's type asks for a string, but its router reads undefined as "nothing derived" and
  // then matches only the unconstrained routes, which is what a request without a Google key needs.
  deriveConstraint: (request: IncomingMessage) => credentialOf(request) as string,
  mustMatchWhenDerived: false,
};
