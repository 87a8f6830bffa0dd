// `POST /{version}/models/{model}:predict`: an Imagen-shaped request served by a catalog image model
// (an Imagen id by the Gemini model Google names as its replacement, through the catalog's
// successors). sampleCount = that many parallel pipeline calls, each held, billed and logged alone.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogModel } from '../../catalog/catalog.js';
import type { ServedModel } from '../../catalog/served-model.js';
import type { GatewayError } from '../../canonical/errors.js';
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import { parseJsonBody } from '../../http/parse-json-body.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import { pinnedChannelOf } from '../../pipeline/pinned-channel.js';
import type { ClientKeyRecord } from '../../store/index.js';
import { countImages } from '../../routing/response-outcome.js';
import { mostTellingFailure, prepareSubCalls, runSubCalls } from '../openai-common/fan-out.js';
import { sendJsonPieces } from '../openai-common/send-json-pieces.js';
import { noImageError } from '../openai-images/from-canonical.js';
import { predictParamNames, predictRequestToCanonical } from './predict-request.js';
import { predictionsFromCanonical, safetyBlockOf } from './predict-response.js';
import type { GeminiDoorDeps } from './routes.js';

export async function answerPredict(
  gateway: GeminiDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  client: ClientKeyRecord,
  served: ServedModel,
) {
  const canonical = predictRequestToCanonical(parseJsonBody(request.body));
  const model: CatalogModel = served.served;
  const subCalls = prepareSubCalls(
    gateway,
    {
      clientRequest: clientRequestOf(request.headers, request.id),
      door: 'gemini-predict',
      client,
      model,
      requestedModel: served.requested,
      request: canonical.request,
      payloadBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
      stream: false,
      signal: abortWhenClientLeaves(reply),
      memory: request.memory,
      pinnedChannel: pinnedChannelOf(gateway, request.headers),
      startedAt: performance.now(),
    },
    request.id,
    canonical.count,
    predictParamNames,
  );
  const { succeeded, failures } = await runSubCalls(gateway, subCalls);
  // A call the safety system refused is a filtered sample to Imagen's clients, not a failed request.
  const safetyFailures: GatewayError[] = failures.filter((failure) => failure.errorClass === 'safety');
  const answered = succeeded.filter(
    (result) => countImages(result.response) > 0 || safetyBlockOf(result.response) !== undefined,
  );
  if (answered.length === 0 && safetyFailures.length === 0) {
    throw succeeded.length > 0
      ? noImageError(succeeded.map((result) => result.response))
      : mostTellingFailure(failures);
  }
  const predictions = await predictionsFromCanonical(
    answered.map((result) => result.response),
    safetyFailures,
    canonical.format,
    canonical.compression,
  );
  const channels = [...new Set(answered.map((result) => result.channel))];
  if (channels.length > 0) reply.header('x-imagegate-channel', channels.join(','));
  reply.header('content-type', 'application/json; charset=UTF-8');
  return sendJsonPieces(reply, jsonWithImagesPieces({ predictions }));
}
