// What every OpenAI door request starts with: the Bearer client key and the catalog model it names
// (id or alias; the catalog's recommended model when omitted; unknown → 404 with close ids).
import type { CatalogModel } from '../../catalog/catalog.js';
import { errors, GatewayError } from '../../canonical/errors.js';
import { presentedKey } from '../../server/client-auth.js';
import type { Gateway } from '../../server/gateway.js';
import type { ClientKeyRecord } from '../../store/index.js';

export function authenticateBearer(
  gateway: Gateway,
  headers: Record<string, string | string[] | undefined>,
): Promise<ClientKeyRecord> {
  // Only the Authorization header counts here, whatever other key headers a client also sends.
  const key = presentedKey({ authorization: headers.authorization }, {});
  if (key?.via !== 'bearer') {
    throw new GatewayError({
      errorClass: 'auth',
      httpStatus: 401,
      message:
        "You didn't provide an API key. Send your imagegate client key in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).",
      code: 'missing_api_key',
    });
  }
  return gateway.auth.authenticate(key);
}

/** Models at least one channel serves: the ones a client can actually call. */
export function routedModels(gateway: Gateway): CatalogModel[] {
  return gateway.catalog
    .list()
    .filter(
      (model) =>
        model.status !== 'disabled' && gateway.channels.some((channel) => channel.models.includes(model.id)),
    );
}

export function resolveOpenAiModel(gateway: Gateway, name: string | undefined): CatalogModel {
  if (name === undefined) {
    const recommended = gateway.catalog.recommendedModel();
    if (!recommended)
      throw errors.badRequest(`Missing required parameter: 'model'.`, 'model', 'missing_required_parameter');
    return recommended;
  }
  const model = gateway.catalog.resolve(name);
  if (model) return model;
  const close = gateway.catalog.closeIds(name);
  const hint = close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : '';
  throw errors.notFound(
    `The model '${name}' does not exist on this gateway.${hint} GET /v1/models lists the models it serves.`,
    'model',
  );
}
