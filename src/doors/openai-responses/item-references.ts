// `item_reference` input items (the AI SDK sends an earlier answer's items this way while `store` is
// on) → the output items they name, read from the stored Responses that made them. Item ids carry
// their response's hex (from-canonical `itemId`), so each reference leads to one stored response.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { ResponsesBody, ResponsesInputItem } from './schema.js';

const itemIdPattern = /^(?:ig|msg)_([0-9a-f]+)[0-9a-f]{2}$/;

function referenceId(item: ResponsesInputItem): string | undefined {
  if (item.type !== 'item_reference') return undefined;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}

/** The response an item id of this door belongs to; undefined for any other id. */
export function responseIdOfItem(itemId: string): string | undefined {
  const match = itemIdPattern.exec(itemId);
  return match ? `resp_${match[1]}` : undefined;
}

/** The stored responses to read (this key's own) before the input's references can be resolved. */
export function referencedResponseIds(input: ResponsesBody['input']): string[] {
  if (!Array.isArray(input)) return [];
  const ids = new Set<string>();
  for (const item of input) {
    const itemId = referenceId(item);
    const responseId = itemId === undefined ? undefined : responseIdOfItem(itemId);
    if (responseId) ids.add(responseId);
  }
  return [...ids];
}

function outputItemOf(response: unknown, itemId: string): ResponsesInputItem | undefined {
  const output = (response as { output?: unknown } | undefined)?.output;
  if (!Array.isArray(output)) return undefined;
  const item = output.find((entry) => (entry as { id?: unknown } | null)?.id === itemId);
  return item && typeof item === 'object' ? (item as ResponsesInputItem) : undefined;
}

/**
 * The input with each `item_reference` replaced by the item it names; `responses` maps the ids of
 * `referencedResponseIds` found for this key to their stored Response objects. A reference to
 * anything else is a 404 naming it, as for an unknown previous_response_id.
 */
export function resolveItemReferences(
  input: ResponsesBody['input'],
  responses: ReadonlyMap<string, unknown>,
): ResponsesBody['input'] {
  if (!Array.isArray(input)) return input;
  return input.map((item, index) => {
    const itemId = referenceId(item);
    if (itemId === undefined) return item;
    const responseId = responseIdOfItem(itemId);
    const resolved = responseId ? outputItemOf(responses.get(responseId), itemId) : undefined;
    if (resolved) return resolved;
    throw errorCatalogue.STORED_TURN_NOT_FOUND(
      `Item referenced by 'input[${index}].id' not found. Only items of stored responses of this key can be referenced; send the item itself, or continue with previous_response_id.`,
      `input[${index}].id`,
    );
  });
}
