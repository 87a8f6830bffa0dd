// What every OpenAI door request starts with: the Bearer client key and the catalog model it names
// (id or alias; the catalog's recommended model when omitted; unknown → 404 with close ids).
import type { ServerResponse } from 'node:http';
import type { CatalogModel, ModelCatalog } from '../../catalog/catalog.js';
import { quotedName } from '../../catalog/close-ids.js';
import { type ModelLifecycle, RetiredModelError, type ServedModel } from '../../catalog/served-model.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { type ClientAuthenticator, presentedKey } from '../../pipeline/client-auth.js';
import { setServedModelHeaders } from '../../pipeline/served-model-headers.js';
import type { ClientKeyRecord } from '../../store/index.js';

/** What an OpenAI door request needs to know its client and its model. */
export interface OpenAiRequestDeps {
  auth: ClientAuthenticator;
  catalog: ModelCatalog;
  lifecycle: ModelLifecycle;
}

export function authenticateBearer(
  gateway: OpenAiRequestDeps,
  headers: Record<string, string | string[] | undefined>,
): Promise<ClientKeyRecord> {
  // Only the Authorization header counts here, whatever other key headers a client also sends.
  const key = presentedKey({ authorization: headers.authorization }, {});
  if (key?.via !== 'bearer') {
    throw errorCatalogue.NO_BEARER_KEY();
  }
  return gateway.auth.authenticate(key);
}

export function resolveOpenAiModel(gateway: OpenAiRequestDeps, name: string | undefined): CatalogModel {
  if (name === undefined) {
    const recommended = gateway.lifecycle.recommended();
    if (!recommended) throw errorCatalogue.MISSING_PARAMETER(`Missing required parameter: 'model'.`, 'model');
    return recommended;
  }
  const model = gateway.catalog.resolve(name);
  if (model) return model;
  const close = gateway.catalog.closeIds(name);
  const hint = close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : '';
  throw errorCatalogue.MODEL_NOT_FOUND(
    `The model '${quotedName(name)}' does not exist on this gateway.${hint} GET /v1/models lists the models it serves.`,
    'model',
  );
}

/**
 * The model that serves a generation naming `name`: a retired id is served by its successor, or
 * refused with a 410 naming it (`catalog.retired: reject`). The answer's headers say which.
 */
export function serveOpenAiModel(
  gateway: OpenAiRequestDeps,
  name: string | undefined,
  raw: ServerResponse,
): ServedModel {
  const requested = resolveOpenAiModel(gateway, name);
  let served: ServedModel;
  try {
    served = gateway.lifecycle.serve(requested);
  } catch (error) {
    if (!(error instanceof RetiredModelError)) throw error;
    throw errorCatalogue.MODEL_RETIRED(error.message);
  }
  setServedModelHeaders(raw, served, gateway.lifecycle.today(), (id) => `/v1/models/${id}`);
  return served;
}
