// Responses pass-through (docs/openai-mapping.md): a text model with the image tool goes as-is to a
// channel whose upstream serves that model on `/v1/responses`. The client's JSON is relayed (only the
// tool's model renamed), the answer relayed back (JSON or SSE frames), and the request billed exactly:
// held at its worst case, settled at the text model's usage plus the image tool's.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type ImageGenerationUsage,
  imageGenerationUsageOf,
  passThroughCharge,
  passThroughHold,
  responsesUsageOf,
} from '../../billing/pass-through-cost.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GatewayError } from '../../canonical/errors.js';
import type { UsageMetadata } from '../../canonical/types.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import { admitCall, type CallOutcome, type GenerationCall, recordCall } from '../../pipeline/generation.js';
import type { AttemptRecord } from '../../routing/dispatch.js';
import { asGatewayError } from '../../routing/failover-policy.js';
import { checkModelAccess } from '../../routing/validate-request.js';
import type { ClientKeyRecord } from '../../store/index.js';
import { keepTurn } from '../../pipeline/conversation-turns.js';
import { connectionError } from '../../providers/gemini/client.js';
import { openAiErrorBody } from '../openai-common/render-error.js';
import { SseWriter } from '../openai-common/sse-writer.js';
import { type PassThroughOrigin, passThroughInput, passThroughOriginOf } from './conversation.js';
import { completedImageCalls, errorFrame, PassThroughTally, relayEvents } from './pass-through-answer.js';
import { type PassThroughPlan, planPassThrough, upstreamBody } from './pass-through-request.js';
import {
  type OpenedPassThrough,
  openPassThrough,
  PassThroughFailure,
  type PassThroughRoute,
} from './pass-through-upstream.js';
import type { OpenAiResponsesDoorDeps } from './routes.js';
import type { ResponsesBody } from './schema.js';

const door = 'openai-responses';

/** An AbortSignal that fires when the client leaves (undici takes a signal, not a callback). */
export function clientLeaves(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  abortWhenClientLeaves(reply).onAbort(() => controller.abort());
  return controller.signal;
}

interface Relay {
  gateway: OpenAiResponsesDoorDeps;
  client: ClientKeyRecord;
  body: ResponsesBody;
  route: PassThroughRoute;
  plan: PassThroughPlan;
  call: GenerationCall;
  holdMicros: number;
  /** Fires when the client leaves. */
  signal: AbortSignal;
}

/** The channel a continued pass-through response lives on; refuses an id the upstream cannot know. */
async function originOfPrevious(
  gateway: OpenAiResponsesDoorDeps,
  body: ResponsesBody,
  client: ClientKeyRecord,
): Promise<PassThroughOrigin | undefined> {
  const previous = body.previous_response_id;
  if (!previous) return undefined;
  const stored = await gateway.conversations.get(door, previous, client.id, Date.now());
  if (!stored) {
    throw errorCatalogue.STORED_TURN_NOT_FOUND(
      `Response with id '${previous}' not found. Stored responses are kept for a limited time and only the key that made one can read or continue it.`,
      'previous_response_id',
    );
  }
  const origin = passThroughOriginOf(stored.input);
  if (!origin) {
    throw errorCatalogue.INVALID_VALUE(
      `Response '${previous}' was answered by the image model '${stored.model}' on this gateway, which the upstream of '${body.model}' does not know; continue it with an image model, or start a new conversation.`,
      'previous_response_id',
    );
  }
  return origin;
}

/** Relays the request; answers the client (JSON or SSE) and settles its hold exactly once. */
export async function relayPassThrough(
  gateway: OpenAiResponsesDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  context: {
    client: ClientKeyRecord;
    body: ResponsesBody;
    json: Record<string, unknown>;
    route: PassThroughRoute;
  },
): Promise<FastifyReply | undefined> {
  const { client, body, json, route } = context;
  if (body.background === true) {
    // A background response is billed when it finishes upstream, after this request has settled.
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Background mode is not supported by this gateway; leave 'background' out and wait for the answer (or stream it).`,
      'background',
    );
  }
  const stream = body.stream === true;
  const origin = await originOfPrevious(gateway, body, client);
  const plan = planPassThrough(gateway, json, stream, reply.raw);
  checkModelAccess(
    { served: plan.image.served, requested: plan.image.requested },
    client,
    gateway.catalog,
    gateway.lifecycle.recommended()?.id,
  );
  const bodyBytes = Buffer.isBuffer(request.body)
    ? request.body.length
    : Buffer.byteLength(JSON.stringify(json));
  const hold = passThroughHold({
    text: route.model.pricing,
    bodyBytes,
    maxOutputTokens: body.max_output_tokens ?? route.model.maxOutputTokens,
    imageModel: plan.image.served,
    imageBounds: plan.bounds,
    images: plan.images,
    heldMultiplier: gateway.billing.heldMultiplier,
  });
  const signal = clientLeaves(reply);
  const call: GenerationCall = {
    requestId: request.id,
    clientRequest: clientRequestOf(request.headers, request.id),
    door,
    client,
    model: plan.image.served,
    requestedModel: plan.image.requested,
    request: plan.request,
    payloadBytes: bodyBytes,
    stream,
    signal,
    startedAt: performance.now(),
  };
  await admitCall(gateway, call, plan.summary, { holdMicros: hold.micros });
  const relay: Relay = { gateway, client, body, route, plan, call, holdMicros: hold.micros, signal };
  let opened: OpenedPassThrough;
  try {
    opened = await openPassThrough(gateway, route, (channel) => upstreamBody(json, plan, channel), {
      stream,
      signal,
      ...(origin ? { pinned: origin } : {}),
    });
  } catch (error) {
    const failure = error instanceof PassThroughFailure ? error.error : asGatewayError(error);
    await settleFailure(relay, failure, error instanceof PassThroughFailure ? error.attempts : [], 0);
    throw failure;
  }
  reply.header('x-imagegate-channel', opened.channel.name);
  if (!stream) return relayJson(relay, reply, opened);
  await relayStream(relay, request, reply, opened);
  return undefined;
}

function malformed(channel: string, detail: string): GatewayError {
  return errorCatalogue.UPSTREAM_MALFORMED(
    `Upstream channel "${channel}" sent a reply this gateway cannot read (${detail}). Retry; another channel may answer.`,
  );
}

async function relayJson(
  relay: Relay,
  reply: FastifyReply,
  opened: OpenedPassThrough,
): Promise<FastifyReply> {
  let text: string | undefined;
  let response: Record<string, unknown> | undefined;
  try {
    text = await opened.answer.body.text();
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      response = parsed as Record<string, unknown>;
    }
  } catch {
    // An unreadable body is the route's failure; the client gets the gateway's words.
  }
  if (!response || text === undefined) {
    const failure = malformed(opened.channel.name, 'its body is not a JSON object');
    await settleFailure(relay, failure, opened.attempts, 0);
    throw failure;
  }
  // Settled durably before the answer goes out, like every unary call.
  await settleSuccess(relay, opened, response, completedImageCalls(response));
  await remember(relay, opened, response);
  return reply.type('application/json; charset=utf-8').send(text);
}

async function relayStream(
  relay: Relay,
  request: FastifyRequest,
  reply: FastifyReply,
  opened: OpenedPassThrough,
): Promise<void> {
  const contentType = String(opened.answer.headers['content-type'] ?? '');
  if (!contentType.includes('text/event-stream')) {
    await opened.answer.body.dump().catch(() => undefined);
    const failure = malformed(
      opened.channel.name,
      'a stream was asked for and the answer is not text/event-stream',
    );
    await settleFailure(relay, failure, opened.attempts, 0);
    throw failure;
  }
  const writer = new SseWriter(reply.raw);
  reply.hijack();
  writer.start({ 'x-request-id': request.id, 'x-imagegate-channel': opened.channel.name });
  const tally = new PassThroughTally();
  let broken: GatewayError | undefined;
  try {
    await relayEvents(opened.answer.body, writer, tally);
  } catch (error) {
    broken = connectionError(opened.channel.name, error, relay.signal);
  }
  // Settled before the stream ends, as every stream is, so a client that reads on sees it billed.
  try {
    if (tally.response && !tally.failed && !broken) {
      await settleSuccess(relay, opened, tally.response, tally.imagesOut);
      await remember(relay, opened, tally.response);
      return;
    }
    const failure = tally.failed
      ? errorCatalogue.UPSTREAM_BAD_ANSWER(
          `Upstream channel "${opened.channel.name}" reported the response failed.`,
        )
      : (broken ?? malformed(opened.channel.name, 'the stream ended before response.completed'));
    // The upstream's own response.failed has told the client; a stream cut short has not.
    if (!tally.failed) await writer.write(errorFrame(openAiErrorBody(failure).error, tally));
    // Images that reached the client are charged (refund-policy: delivered_before_failure).
    await settleFailure(relay, failure, opened.attempts, tally.imagesOut);
  } finally {
    writer.end();
  }
}

/** The Response's usage in the request log's columns: text and tool tokens, the tool's image tokens apart. */
function logUsage(response: unknown, image: ImageGenerationUsage | undefined): UsageMetadata | undefined {
  const text = responsesUsageOf(response);
  if (!text) return undefined;
  const toolInput = image ? image.inputTextTokens + image.inputImageTokens : 0;
  const toolOutput = image ? image.outputTextTokens + image.outputImageTokens : 0;
  const prompt = text.inputTokens + toolInput;
  const candidates = text.outputTokens + toolOutput;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates,
    promptTokensDetails: [{ modality: 'IMAGE', tokenCount: image?.inputImageTokens ?? 0 }],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: image?.outputImageTokens ?? 0 }],
  };
}

function settleSuccess(
  relay: Relay,
  opened: OpenedPassThrough,
  response: Record<string, unknown>,
  imagesOut: number,
): Promise<void> {
  const usage = responsesUsageOf(response);
  const imageUsage = imageGenerationUsageOf(response);
  // Without readable usage the upstream's bill is unknown: the request is charged its hold.
  const priced = usage
    ? passThroughCharge({
        text: relay.route.model.pricing,
        usage,
        imageModel: relay.plan.image.served,
        ...(imageUsage ? { imageUsage } : {}),
        completedImages: imagesOut,
        tokensPerImage: relay.plan.bounds.typicalTokensPerImage,
      }).micros
    : relay.holdMicros;
  const outcome: CallOutcome = {
    status: 200,
    channel: opened.channel.name,
    attempts: opened.attempts,
    usage: logUsage(response, imageUsage),
    imagesOut,
    pricedMicros: priced,
  };
  return recordCall(relay.gateway, relay.call, outcome);
}

function settleFailure(
  relay: Relay,
  failure: GatewayError,
  attempts: AttemptRecord[],
  imagesOut: number,
): Promise<void> {
  return recordCall(relay.gateway, relay.call, {
    status: failure.httpStatus,
    errorClass: failure.errorClass,
    channel: attempts.at(-1)?.channel,
    attempts,
    imagesOut,
  });
}

/** Keeps the upstream's id, so GET, DELETE and previous_response_id find the channel that made it. */
async function remember(
  relay: Relay,
  opened: OpenedPassThrough,
  response: Record<string, unknown>,
): Promise<void> {
  const { gateway, body, client } = relay;
  if (body.store === false || response.store === false || typeof response.id !== 'string') return;
  await keepTurn(gateway, {
    id: response.id,
    door,
    keyId: client.id,
    previousId: body.previous_response_id ?? null,
    model: relay.route.model.id,
    input: passThroughInput({ channel: opened.channel.name, keyFingerprint: opened.keyFingerprint }),
    body: JSON.stringify(response),
  });
}
