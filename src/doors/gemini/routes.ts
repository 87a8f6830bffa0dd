// HTTP routes of the Gemini native door (v1beta and v1, the same handlers): generateContent,
// streamGenerateContent, countTokens, Imagen's predict, and the models resources. Translation and rules live elsewhere; this file only speaks HTTP.
import { AnswerRelay, answerReadWhole } from '../../pipeline/answer-relay.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogModel } from '../../catalog/catalog.js';
import { quotedName } from '../../catalog/close-ids.js';
import { RetiredModelError, type ServedModel } from '../../catalog/served-model.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { estimatePromptTokens } from '../../billing/estimate-tokens.js';
import { microsToUsd } from '../../billing/usage-report.js';
import { asGatewayError } from '../../routing/failover-policy.js';
import { countImages } from '../../routing/response-outcome.js';
import { type ClientAuthenticator, presentedKey } from '../../pipeline/client-auth.js';
import type { RouteChannel } from '../../routing/channel.js';
import type { RoutePresenceView } from '../../health/route-presence.js';
import {
  type GenerationCall,
  type GenerationDeps,
  openStream,
  prepareCall,
  recordCall,
  runUnary,
  summarizeFor,
} from '../../pipeline/generation.js';
import { parseJsonBody } from '../../http/parse-json-body.js';
import { errorHandlerFor } from '../../pipeline/error-reply.js';
import { geminiErrorBody } from './render-error.js';
import { routedModels } from '../../routing/routed-models.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import { type PinnedChannelDeps, pinnedChannelOf } from '../../pipeline/pinned-channel.js';
import { setServedModelHeaders } from '../../pipeline/served-model-headers.js';
import type { UsageMetadata } from '../../canonical/types.js';
import { listModelsPage, geminiModelResource } from './models.js';
import { normalizeGeminiRequest, normalizeGeminiRequestTracked } from './normalize-request.js';
import {
  type GeminiApiVersion,
  geminiApiVersions,
  isGeminiAction,
  parseModelAction,
} from './parse-model-path.js';
import { countTokensRequest } from './count-tokens-body.js';
import { answerPredict } from './predict-route.js';
import { credentialConstraintName, googleCredential } from '../../http/credential-constraint.js';
import { GeminiStreamWriter } from './write-stream.js';

type Query = Record<string, string | undefined>;

/** What the Gemini door needs from the running gateway (src/server/assemble.ts builds it). */
export interface GeminiDoorDeps extends GenerationDeps, PinnedChannelDeps {
  auth: ClientAuthenticator;
  channels: RouteChannel[];
  routePresence: RoutePresenceView;
}

export async function authenticate(gateway: GeminiDoorDeps, request: FastifyRequest) {
  return gateway.auth.authenticate(presentedKey(request.headers, request.query as Query));
}

export function resolveModel(
  gateway: GeminiDoorDeps,
  name: string,
  action = 'generateContent',
  version: GeminiApiVersion = 'v1beta',
): CatalogModel {
  const id = name.replace(/^models\//, '');
  const model = gateway.catalog.resolve(id);
  if (!model) {
    const close = gateway.catalog.closeIds(id);
    const hint = close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : '';
    throw errorCatalogue.MODEL_NOT_FOUND(
      `models/${quotedName(id)} is not found for API version ${version}, or is not supported for ${action}. Call ListModels to see the list of available models and their supported methods.${hint}`,
    );
  }
  return model;
}

/**
 * The model that serves a generation for `model`: a retired id is served by its successor, or
 * refused with Google's NOT_FOUND naming it (`catalog.retired: reject`). Headers say which served.
 */
export function serveGeminiModel(
  gateway: GeminiDoorDeps,
  model: CatalogModel,
  reply: FastifyReply,
  version: GeminiApiVersion = 'v1beta',
): ServedModel {
  let served: ServedModel;
  try {
    served = gateway.lifecycle.serve(model);
  } catch (error) {
    if (!(error instanceof RetiredModelError)) throw error;
    throw errorCatalogue.MODEL_NOT_FOUND(
      `models/${model.id} is not found for API version ${version}. ${error.message}`,
    );
  }
  setServedModelHeaders(reply.raw, served, gateway.lifecycle.today(), (id) => `/${version}/models/${id}`);
  return served;
}

/** The Gemini door is its own Fastify scope: every failure under it answers in Google's envelope. */
export function registerGeminiDoor(app: FastifyInstance, gateway: GeminiDoorDeps): void {
  app.register(async (door) => geminiRoutes(door, gateway));
}

function geminiRoutes(app: FastifyInstance, gateway: GeminiDoorDeps): void {
  app.setErrorHandler(errorHandlerFor(geminiErrorBody));
  for (const version of geminiApiVersions) versionRoutes(app, gateway, version);
}

function versionRoutes(app: FastifyInstance, gateway: GeminiDoorDeps, version: GeminiApiVersion): void {
  // `GET /v1/models` is OpenAI's model list too: this one answers only requests with a Google key.
  const constraints = version === 'v1' ? { [credentialConstraintName]: googleCredential } : undefined;
  app.get(`/${version}/models`, { constraints }, async (request) => {
    await authenticate(gateway, request);
    const query = request.query as Query;
    return listModelsPage(
      routedModels(gateway.lifecycle, gateway.channels, (channel, model) =>
        gateway.routePresence.isGone(channel, model),
      ),
      query.pageSize,
      query.pageToken,
    );
  });

  app.get(`/${version}/models/*`, { constraints }, async (request) => {
    await authenticate(gateway, request);
    const { model } = parseModelAction((request.params as Record<string, string>)['*']);
    return geminiModelResource(resolveModel(gateway, model, 'get', version));
  });

  app.post(`/${version}/models/*`, async (request, reply) => {
    const { model: modelName, action } = parseModelAction((request.params as Record<string, string>)['*']);
    if (!isGeminiAction(action) && action !== 'predict') {
      throw errorCatalogue.MODEL_NOT_FOUND(
        `Method "${action || '(none)'}" is not supported. Use :generateContent, :streamGenerateContent, :countTokens or :predict.`,
        'method',
      );
    }
    const client = await authenticate(gateway, request);
    const requested = resolveModel(gateway, modelName, action, version);
    const served = serveGeminiModel(gateway, requested, reply, version);
    if (action === 'predict') return answerPredict(gateway, request, reply, client, served);
    const model = served.served;
    if (action === 'countTokens') {
      const sameModel = (name: string) =>
        gateway.catalog.resolve(name.replace(/^models\//, ''))?.id === requested.id;
      return countTokens(gateway, model, countTokensRequest(parseJsonBody(request.body), sameModel), reply);
    }
    const { request: body, renamed } = normalizeGeminiRequestTracked(parseJsonBody(request.body));
    const call: GenerationCall = {
      requestId: request.id,
      clientRequest: clientRequestOf(request.headers, request.id),
      door: 'gemini',
      client,
      model,
      requestedModel: served.requested,
      request: body,
      payloadBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
      stream: action === 'streamGenerateContent',
      signal: abortWhenClientLeaves(reply),
      rawBody: !renamed && Buffer.isBuffer(request.body) ? request.body : undefined,
      memory: request.memory,
      pinnedChannel: pinnedChannelOf(gateway, request.headers),
      startedAt: performance.now(),
    };
    const summary = prepareCall(gateway, call);
    if (action === 'generateContent') {
      const relay = answerReadWhole(body) ? undefined : new AnswerRelay(reply);
      call.relay = relay;
      let result: Awaited<ReturnType<typeof runUnary>>;
      try {
        result = await runUnary(gateway, call, summary);
      } catch (error) {
        if (!relay?.started) throw error;
        relay.abandon(); // logged and settled (nothing charged) by runUnary
        return reply;
      }
      if (relay?.started && result.rawBody) {
        relay.finish(result.rawBody);
        return reply;
      }
      reply.header('content-type', 'application/json; charset=UTF-8');
      reply.header('x-imagegate-channel', result.channel);
      return reply.send(result.rawBody ?? JSON.stringify(result.response, null, 2));
    }
    return streamGenerate(gateway, call, summary, request, reply);
  });
}

/**
 * Google's countTokens answer, unchanged in shape (strict clients keep working); the dry-run cost
 * travels in headers: the expected charge and the worst-case hold, in USD.
 */
function countTokens(
  gateway: GeminiDoorDeps,
  model: CatalogModel,
  body: Record<string, unknown>,
  reply: FastifyReply,
) {
  const inner = normalizeGeminiRequest(body);
  const estimate = estimatePromptTokens(inner, model);
  const cost = gateway.billing.estimate(model, inner, summarizeFor(model, inner));
  reply.header('x-imagegate-estimated-cost-usd', microsToUsd(cost.estimatedCostMicros));
  reply.header('x-imagegate-worst-case-cost-usd', microsToUsd(cost.worstCaseMicros));
  return { totalTokens: estimate.totalTokens, promptTokensDetails: estimate.promptTokensDetails };
}

async function streamGenerate(
  gateway: GeminiDoorDeps,
  call: GenerationCall,
  summary: ReturnType<typeof prepareCall>,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const raw = reply.raw;
  // Errors before the first byte are ordinary HTTP errors (the error handler renders them).
  const stream = await openStream(gateway, call, summary);
  const form = (request.query as Query).alt === 'sse' ? 'sse' : 'array';
  const writer = new GeminiStreamWriter(raw, form);
  reply.hijack();
  writer.start({ 'x-request-id': call.requestId, 'x-imagegate-channel': stream.channel });
  let usage: UsageMetadata | undefined;
  // Images written to the client: charged even if the stream fails or the client leaves after them.
  let imagesOut = 0;
  try {
    for await (const event of stream.events) {
      if (event.response.usageMetadata) usage = event.response.usageMetadata;
      if (raw.destroyed) break;
      await writer.event(event);
      imagesOut += countImages(event.response);
    }
    // A client gone before the last event is the client's 499, charged for what it was sent.
    const left = raw.destroyed;
    await recordCall(gateway, call, {
      status: left ? 499 : 200,
      errorClass: left ? 'bad_request' : undefined,
      channel: stream.channel,
      attempts: stream.attempts,
      usage,
      imagesOut,
    });
  } catch (error) {
    const failure = asGatewayError(error);
    await recordCall(gateway, call, {
      status: failure.httpStatus,
      errorClass: failure.errorClass,
      channel: stream.channel,
      attempts: stream.attempts,
      usage,
      imagesOut,
    });
    gateway.logger.warn(
      { requestId: call.requestId, errorClass: failure.errorClass },
      'stream failed after start',
    );
    await writer.error(geminiErrorBody(failure));
  } finally {
    await writer.end();
  }
}
