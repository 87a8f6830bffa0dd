// The door-independent life of one generation request: check access and capabilities, admit it and
// hold its worst-case cost, dispatch with failover, then settle (or release) the hold together with
// the request log row whatever happens.
import type { ClientRequestRef } from '../billing/ledger.js';
import { billableUsage } from '../billing/billable-usage.js';
import type { AdmitOptions, BillingTicket, RequestBilling } from '../billing/request-billing.js';
import { imagesRequested } from '../billing/worst-case.js';
import type { CatalogModel, ModelCatalog } from '../catalog/catalog.js';
import type { ModelLifecycle } from '../catalog/served-model.js';
import type { UpstreamRelay } from '../providers/types.js';
import { summarizeRequest } from '../canonical/summarize.js';
import type { GenerateContentRequest, RequestSummary, UsageMetadata } from '../canonical/types.js';
import {
  type AttemptMemory,
  type AttemptRecord,
  type CancelSignal,
  DispatchError,
  type Dispatcher,
  type DispatchRequest,
  type DispatchResult,
  type DispatchStream,
} from '../routing/dispatch.js';
import { asGatewayError } from '../routing/failover-policy.js';
import { countImages } from '../routing/response-outcome.js';
import { checkCapabilities, checkModelAccess } from '../routing/validate-request.js';
import { inspectRequest } from '../security/inspect-request.js';
import type { Logger } from '../security/logger.js';
import type { ClientKeyRecord, Door, RequestLogEntry, RequestLogWriter } from '../store/index.js';
import type { Counter, Histogram } from 'prom-client';

/** The counters a finished call updates (src/server/metrics.ts registers them). */
export interface RequestMetrics {
  requests: Counter<'door' | 'model' | 'status'>;
  requestDuration: Histogram<'door' | 'model'>;
  imagesOut: Counter<'model'>;
}

/** What a generation call needs from the running gateway (src/server/assemble.ts builds it). */
export interface GenerationDeps {
  catalog: ModelCatalog;
  lifecycle: ModelLifecycle;
  dispatcher: Dispatcher;
  billing: RequestBilling;
  requestLog: RequestLogWriter;
  logger: Logger;
  metrics: RequestMetrics;
}

export interface GenerationCall {
  /** The gateway's own id (`<id>-<n>` for sub-call n of an OpenAI `n`): keys the log and ledger rows. */
  requestId: string;
  /** The client's `x-request-id`, claimed once per key before the upstream call. */
  clientRequest?: ClientRequestRef;
  door: Door;
  client: ClientKeyRecord;
  /** The model that serves the call: routing, capabilities and prices follow it. */
  model: CatalogModel;
  /** The model the client named, when a retired id is served by its successor. */
  requestedModel?: CatalogModel;
  request: GenerateContentRequest;
  payloadBytes: number;
  stream: boolean;
  /** Aborts the call when the client leaves (src/pipeline/client-gone.ts). */
  signal?: AbortSignal | CancelSignal;
  pinnedChannel?: string;
  startedAt: number;
  /** The open hold, set once admitted; recordCall settles it. */
  billing?: BillingTicket;
  /**
   * The exact JSON bytes the client sent, while they still equal `request` (Gemini door, no key
   * renamed, nothing rewritten): a native upstream then receives them without re-serialising.
   */
  rawBody?: Buffer;
  /** The request's share of the memory bound and its reused buffers (src/pipeline/memory-accounting.ts). */
  memory?: AttemptMemory;
  /** Takes a large upstream answer while it arrives (src/pipeline/answer-relay.ts). */
  relay?: UpstreamRelay;
}

export interface CallOutcome {
  status: number;
  errorClass?: string;
  channel?: string;
  attempts: AttemptRecord[];
  usage?: UsageMetadata;
  imagesOut: number;
  chargedMicros?: number;
  /** The upstream's charge as the door priced it (see BillingOutcome.pricedMicros). */
  pricedMicros?: number;
}

/** The typed facts of a request for this model (image is the default output of image-only models). */
export function summarizeFor(model: CatalogModel, request: GenerateContentRequest): RequestSummary {
  const outputs = model.capabilities.outputModalities;
  return summarizeRequest(request, {
    imageOnly: outputs.every((modality) => modality === 'IMAGE') || model.family === 'local',
    canOutputImage: outputs.includes('IMAGE'),
  });
}

/** Validates access and capabilities; throws a GatewayError naming the field. */
export function prepareCall(gateway: GenerationDeps, call: GenerationCall): RequestSummary {
  checkModelAccess(
    { served: call.model, requested: call.requestedModel ?? call.model },
    call.client,
    gateway.catalog,
    gateway.lifecycle.recommended()?.id,
  );
  // A rewritten request (sniffed mime type) must be serialised again; the client's bytes no longer match.
  if (inspectRequest(call.request)) call.rawBody = undefined;
  const summary = summarizeFor(call.model, call.request);
  checkCapabilities(call.model, summary, call.payloadBytes);
  return summary;
}

/**
 * Admission (rate, concurrency) and the durable worst-case hold, before any upstream call. A refusal
 * is logged and thrown.
 */
export async function admitCall(
  gateway: GenerationDeps,
  call: GenerationCall,
  summary: RequestSummary,
  options?: AdmitOptions,
): Promise<void> {
  try {
    call.billing = await gateway.billing.admit(
      call,
      summary,
      () => logEntry(call, { status: 0, attempts: [], imagesOut: 0 }),
      options,
    );
  } catch (error) {
    await recordFailure(gateway, call, error);
    throw error;
  }
}

/** What the dispatcher needs of a call. */
function dispatchInput(call: GenerationCall, summary: RequestSummary): DispatchRequest {
  return {
    modelId: call.model.id,
    request: call.request,
    wantsImage: summary.wantsImage,
    pinnedChannel: call.pinnedChannel,
    signal: call.signal,
    rawRequestBody: call.rawBody,
    memory: call.memory,
    relay: call.stream ? undefined : call.relay,
  };
}

/**
 * Dispatches one unary call; the hold is settled durably (journaled or committed) before the answer
 * is returned.
 */
export async function runUnary(
  gateway: GenerationDeps,
  call: GenerationCall,
  summary: RequestSummary,
): Promise<DispatchResult> {
  await admitCall(gateway, call, summary);
  let result: DispatchResult;
  try {
    result = await gateway.dispatcher.generate(dispatchInput(call, summary));
  } catch (error) {
    // A client that leaves while a relayed answer's image is going out has it (all but the chunk
    // held back) and is charged for the images asked for. A route that broke off mid-answer left
    // the client with an answer cut short: nothing usable arrived, nothing is charged.
    // (The relay begins only once an image string has begun: at least one image was going out.)
    const sent = call.relay?.sentBytes && call.signal?.aborted ? Math.max(1, imagesRequested(summary)) : 0;
    await recordFailure(gateway, call, error, sent);
    throw error;
  }
  await recordCall(gateway, call, {
    status: 200,
    errorClass: result.outcome === 'no_image' ? 'no_image' : undefined,
    channel: result.channel,
    attempts: result.attempts,
    usage: result.response.usageMetadata,
    imagesOut: countImages(result.response),
  });
  return result;
}

/** Opens a stream; the door must call recordCall when it ends (settling from the last usage seen). */
export async function openStream(
  gateway: GenerationDeps,
  call: GenerationCall,
  summary: RequestSummary,
): Promise<DispatchStream> {
  await admitCall(gateway, call, summary);
  try {
    return await gateway.dispatcher.stream(dispatchInput(call, summary));
  } catch (error) {
    await recordFailure(gateway, call, error);
    throw error;
  }
}

/** Logs and settles a failed call; `imagesSent` images had reached the client before it failed. */
export function recordFailure(
  gateway: GenerationDeps,
  call: GenerationCall,
  error: unknown,
  imagesSent = 0,
): Promise<void> {
  const failure = asGatewayError(error);
  return recordCall(gateway, call, {
    status: failure.httpStatus,
    errorClass: failure.errorClass,
    channel: error instanceof DispatchError ? error.attempts.at(-1)?.channel : undefined,
    attempts: error instanceof DispatchError ? error.attempts : [],
    imagesOut: imagesSent,
  });
}

/**
 * One request log row per call, success or failure, plus the metrics. An admitted call's row is
 * written in the same commit as its settle (charge per the refund policy, release of the rest);
 * the promise resolves once that is durable (journaled or committed) and never rejects (a failed
 * settle is logged, and its hold is released as interrupted on the next start).
 */
export async function recordCall(
  gateway: GenerationDeps,
  call: GenerationCall,
  reported: CallOutcome,
): Promise<void> {
  // Usage with counts that cannot be priced or stored is treated as missing (billable-usage.ts).
  const outcome = { ...reported, usage: billableUsage(reported.usage) };
  const entry = logEntry(call, outcome);
  if (call.billing) {
    try {
      entry.chargedMicros = await gateway.billing.close(
        call.billing,
        {
          status: outcome.status,
          usage: outcome.usage,
          imagesOut: outcome.imagesOut,
          channel: outcome.channel ?? null,
          ...(outcome.pricedMicros === undefined ? {} : { pricedMicros: outcome.pricedMicros }),
        },
        entry,
      );
    } catch (error) {
      gateway.logger.error({ err: error, requestId: call.requestId }, 'billing settle failed');
    }
  } else {
    gateway.requestLog.record(entry);
  }
  const { metrics } = gateway;
  metrics.requests.inc({ door: call.door, model: call.model.id, status: String(outcome.status) });
  metrics.requestDuration.observe({ door: call.door, model: call.model.id }, entry.latencyMs / 1000);
  if (outcome.imagesOut > 0) metrics.imagesOut.inc({ model: call.model.id }, outcome.imagesOut);
}

function logEntry(call: GenerationCall, outcome: CallOutcome): RequestLogEntry {
  const latencyMs = Math.round(performance.now() - call.startedAt);
  const usage = outcome.usage;
  // recordCall has dropped usage with counts that cannot be stored (billable-usage.ts).
  const imageTokens = (details: UsageMetadata['promptTokensDetails']) =>
    details
      ?.filter((detail) => detail.modality === 'IMAGE')
      .reduce((sum, detail) => sum + (detail.tokenCount ?? 0), 0) ?? null;
  return {
    id: call.requestId,
    createdAt: Date.now(),
    keyId: call.client.id,
    door: call.door,
    model: call.model.id,
    channel: outcome.channel ?? null,
    status: outcome.status,
    errorClass: outcome.errorClass ?? null,
    latencyMs,
    attempts: outcome.attempts.length,
    promptTokens: usage?.promptTokenCount ?? null,
    candidatesTokens: usage?.candidatesTokenCount ?? null,
    thoughtsTokens: usage?.thoughtsTokenCount ?? null,
    totalTokens: usage?.totalTokenCount ?? null,
    inputImageTokens: imageTokens(usage?.promptTokensDetails),
    outputImageTokens: imageTokens(usage?.candidatesTokensDetails),
    imagesOut: outcome.imagesOut,
    chargedMicros: outcome.chargedMicros ?? 0,
    stream: call.stream,
    clientRequestId: call.clientRequest?.id ?? null,
    attemptDetails: outcome.attempts.map((attempt, index) => ({
      attemptNo: index + 1,
      channel: attempt.channel,
      keyFingerprint: attempt.keyFingerprint,
      outcome: attempt.outcome,
      httpStatus: attempt.httpStatus ?? null,
      latencyMs: attempt.latencyMs,
    })),
  };
}
