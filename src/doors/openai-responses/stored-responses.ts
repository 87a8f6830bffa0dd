// The Responses door's stored turns: reading a conversation back for `previous_response_id` and
// `item_reference` items, and keeping each completed response (src/store/conversations.ts).
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GenerateContentResponse } from '../../canonical/types.js';
import type { GatewayError } from '../../canonical/errors.js';
import type { ClientKeyRecord } from '../../store/index.js';
import { signaturesOf, storedTurnInput } from '../../canonical/stored-turn.js';
import { continuedTurns, keepTurn } from '../../pipeline/conversation-turns.js';
import { historyOf, passThroughOriginOf } from './conversation.js';
import type { ResponseMeta } from './from-canonical.js';
import { referencedResponseIds, resolveItemReferences } from './item-references.js';
import type { OpenAiResponsesDoorDeps } from './routes.js';
import type { ResponsesBody } from './schema.js';
import type { ResponsesCanonicalRequest } from './to-canonical.js';

export const door = 'openai-responses';

/** One answered turn on its way out: who asked, what it is, and its canonical request. */
export interface TurnContext {
  gateway: OpenAiResponsesDoorDeps;
  client: ClientKeyRecord;
  meta: ResponseMeta;
  canonical: ResponsesCanonicalRequest;
}

export function notFound(id: string, param?: string): GatewayError {
  // An id this door could have made is named; anything else (long, hostile) is not echoed back.
  const named = /^[A-Za-z0-9_-]{1,128}$/.test(id) ? `with id '${id}'` : 'with that id';
  return errorCatalogue.STORED_TURN_NOT_FOUND(
    `Response ${named} not found. Stored responses are kept for a limited time and only the key that made one can read or continue it.`,
    param,
  );
}

/** The stored conversation a `previous_response_id` continues (this key's own, unexpired). */
export async function historyFor(
  gateway: OpenAiResponsesDoorDeps,
  body: ResponsesBody,
  client: ClientKeyRecord,
) {
  const previous = body.previous_response_id;
  if (!previous) return [];
  const turns = await continuedTurns(gateway, door, previous, client.id);
  if (!turns) throw notFound(previous, 'previous_response_id');
  const relayed = turns.find((turn) => passThroughOriginOf(turn.input));
  if (relayed) {
    throw errorCatalogue.INVALID_VALUE(
      `Response '${relayed.id}' was answered upstream by the text model '${relayed.model}'; continue it with that model.`,
      'previous_response_id',
    );
  }
  return historyOf(turns);
}

/** `item_reference` items → the output items of this key's stored responses they name. */
export async function withReferencesResolved(
  gateway: OpenAiResponsesDoorDeps,
  input: ResponsesBody['input'],
  client: ClientKeyRecord,
): Promise<ResponsesBody['input']> {
  const ids = referencedResponseIds(input);
  if (ids.length === 0) return input;
  const responses = new Map<string, unknown>();
  for (const id of ids) {
    const stored = await gateway.conversations.get(door, id, client.id, Date.now());
    if (stored) responses.set(id, JSON.parse(stored.body));
  }
  return resolveItemReferences(input, responses);
}

/** Keeps a completed response for GET and later turns, unless the client said `store: false`. */
export async function remember(
  turn: TurnContext,
  pieces: readonly Buffer[],
  answers: readonly GenerateContentResponse[],
): Promise<void> {
  const { gateway, meta, client, canonical } = turn;
  if (!meta.store) return;
  await keepTurn(gateway, {
    id: meta.id,
    door,
    keyId: client.id,
    previousId: meta.body.previous_response_id ?? null,
    model: meta.model,
    input: storedTurnInput(canonical.turnInput, signaturesOf(answers)),
    body: Buffer.concat(pieces).toString('utf8'),
  });
}
