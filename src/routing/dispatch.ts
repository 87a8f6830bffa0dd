// Runs one canonical request against the planned routes with failover, a bounded attempt budget,
// per-attempt timeouts and an overall deadline. Records every attempt for logs, metrics and health.
import { GatewayError } from '../canonical/errors.js';
import type { GenerateContentRequest, GenerateContentResponse } from '../canonical/types.js';
import type { UpstreamEvent, UpstreamMemory, UpstreamRelay } from '../providers/types.js';
import { type RouteChannel, upstreamModelName } from './channel.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import {
  asGatewayError,
  countsAgainstRoute,
  isKeyFailure,
  marksRouteGone,
  shouldFailOver,
} from './failover-policy.js';
import {
  clientGoneError,
  exhaustedKeysError,
  modelGoneError,
  noImageError,
  noRouteError,
  uneditedError,
} from './dispatch-errors.js';
import { type KeyPool, keyFingerprint } from './key-pool.js';
import { planAttempts } from './plan-attempts.js';
import { classifyResponse, countImages, type ResponseOutcome } from './response-outcome.js';
import { abortAfter, type CancelSignal } from './attempt-signal.js';
import { decliningInputImages, inputImagesOf, returnedInputImage } from './unedited-answer.js';

export type { CancelSignal } from './attempt-signal.js';

export interface AttemptRecord {
  channel: string;
  keyFingerprint: string;
  outcome: 'ok' | string;
  httpStatus?: number;
  latencyMs: number;
}

export interface DispatchRequest {
  modelId: string;
  request: GenerateContentRequest;
  wantsImage: boolean;
  pinnedChannel?: string;
  signal?: AbortSignal | CancelSignal;
  /** The request's JSON bytes as the client sent them, when they equal `request` (see GenerationCall). */
  rawRequestBody?: Buffer;
  /** The request's memory: answers are read into its buffers, and each attempt borrows them. */
  memory?: AttemptMemory;
  /** Takes a large answer while it arrives (unary calls only); once it has begun, no failover. */
  relay?: UpstreamRelay;
}

/** A request's memory as the dispatcher sees it (src/pipeline/memory-accounting.ts). */
export interface AttemptMemory extends UpstreamMemory {
  /**
   * Marks the request's buffers as lent to an upstream attempt. Call the returned function once when
   * it is over: `true` if its answer was read in full (so the upstream read all it was sent).
   */
  lend(): (readInFull: boolean) => void;
}

export interface DispatchResult {
  response: GenerateContentResponse;
  rawBody?: Buffer;
  outcome: ResponseOutcome;
  channel: string;
  attempts: AttemptRecord[];
}

export interface DispatchStream {
  channel: string;
  /** Whether an image arrived before the stream was handed on (the route delivered one). */
  imageSeen: boolean;
  attempts: AttemptRecord[];
  /** Events in order: the ones read while choosing the route, then the rest as they arrive. */
  events: AsyncIterable<UpstreamEvent>;
}

export interface DispatcherOptions {
  channels: () => readonly RouteChannel[];
  circuits: CircuitBreakers;
  /** Routes whose latest retest failed (see PlanInput.isDemoted). */
  isDemoted?: (channel: string, model: string) => boolean;
  /** Routes whose upstream no longer has the model (see PlanInput.isGone). */
  isGone?: (channel: string, model: string) => boolean;
  /** An upstream answered NOT_FOUND for the model: the route is to be marked gone. */
  onRouteGone?: (route: GoneRouteSighting) => void;
  keys: KeyPool;
  maxAttempts: number;
  deadlineMs: number;
  /** Rewrites an answer before it is judged (markdown/hosted images → inlineData). */
  normalizeResponse?: (
    response: GenerateContentResponse,
    channel: RouteChannel,
    signal: AbortSignal,
  ) => Promise<GenerateContentResponse>;
  onAttempt?: (record: AttemptRecord & { model: string }) => void;
}

/** Raised when every attempt failed; carries the attempts for the request log. */
export class DispatchError extends GatewayError {
  constructor(
    cause: GatewayError,
    readonly attempts: AttemptRecord[],
  ) {
    super({
      errorClass: cause.errorClass,
      httpStatus: cause.httpStatus,
      status: cause.status,
      message: cause.message,
      param: cause.param,
      code: cause.code,
      retryAfterSeconds: cause.retryAfterSeconds,
      details: cause.details,
      cause,
    });
  }
}

export interface GoneRouteSighting {
  channel: string;
  modelId: string;
  /** The id the channel called upstream. */
  upstreamId: string;
  /** True for a pinned request (a retest), false for live traffic. */
  pinned: boolean;
}

interface AttemptSlot {
  channel: RouteChannel;
  apiKey?: string;
}

export class Dispatcher {
  constructor(private readonly options: DispatcherOptions) {}

  async generate(request: DispatchRequest): Promise<DispatchResult> {
    let lastNoImage: DispatchResult | undefined;
    const inputImages = inputImagesOf(request.request);
    // An edit's answer is compared with its input images, so it may not be relayed before it is whole
    // when its image starts like one of them.
    const input =
      request.relay && inputImages.length > 0
        ? { ...request, relay: decliningInputImages(request.relay, inputImages) }
        : request;
    const result = await this.runAttempts(
      input,
      async (slot, signal, attempts) => {
        const upstream = await slot.channel.provider.generate(
          input.request,
          this.target(slot, input, signal),
        );
        // An answer already on its way to the client is that answer: its own bytes, as they are.
        const relayed = input.relay?.started === true;
        const normalized = relayed
          ? upstream.response
          : await this.normalize(upstream.response, slot.channel, signal);
        const outcome = classifyResponse(normalized, input.wantsImage);
        const result: DispatchResult = {
          response: normalized,
          rawBody: normalized === upstream.response ? upstream.rawBody : undefined,
          outcome,
          channel: slot.channel.name,
          attempts,
        };
        if (outcome === 'no_image' && !relayed) {
          lastNoImage = result;
          throw noImageError(slot.channel.name, normalized);
        }
        if (outcome === 'image' && !relayed && returnedInputImage(normalized, inputImages)) {
          throw uneditedError(slot.channel.name);
        }
        return result;
      },
      (result) => result.outcome === 'image',
      'when-settled',
    ).catch((error: unknown) => {
      // Every route answered without an image: give the caller the last such answer, honestly marked.
      if (lastNoImage && error instanceof DispatchError && error.errorClass === 'no_image') {
        return { ...lastNoImage, attempts: error.attempts };
      }
      throw error;
    });
    return result;
  }

  async stream(input: DispatchRequest): Promise<DispatchStream> {
    const inputImages = inputImagesOf(input.request);
    return this.runAttempts(
      input,
      async (slot, signal, attempts) => {
        const iterable = await slot.channel.provider.stream(input.request, this.target(slot, input, signal));
        const iterator = iterable[Symbol.asyncIterator]();
        const held: UpstreamEvent[] = [];
        // Hold events until an image arrives (or the first event when no image is required), so a
        // route that will not deliver can still be swapped for another before the client sees a byte.
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) {
              const last = held.at(-1)?.response;
              if (input.wantsImage && last && classifyResponse(last, true) !== 'safety') {
                throw noImageError(slot.channel.name, last);
              }
              break;
            }
            held.push(next.value);
            if (countImages(next.value.response) > 0) {
              if (returnedInputImage(next.value.response, inputImages))
                throw uneditedError(slot.channel.name);
              break;
            }
            if (!input.wantsImage) break;
            if (classifyResponse(next.value.response, true) === 'safety') break;
          }
        } catch (error) {
          await iterator.return?.();
          throw error;
        }
        return {
          channel: slot.channel.name,
          imageSeen: held.some((event) => countImages(event.response) > 0),
          attempts,
          events: replay(held, iterator),
        };
      },
      (opened) => opened.imageSeen,
    );
  }

  private target(slot: AttemptSlot, input: DispatchRequest, signal: AbortSignal) {
    return {
      channelName: slot.channel.name,
      baseUrl: slot.channel.baseUrl,
      apiKey: slot.apiKey,
      upstreamModel: upstreamModelName(slot.channel, input.modelId),
      options: slot.channel.options,
      signal,
      rawRequestBody: input.rawRequestBody,
      memory: input.memory,
      relay: input.relay,
    };
  }

  private async normalize(response: GenerateContentResponse, channel: RouteChannel, signal: AbortSignal) {
    return this.options.normalizeResponse
      ? this.options.normalizeResponse(response, channel, signal)
      : response;
  }

  /** The failover loop shared by unary and streaming calls. */
  private async runAttempts<T>(
    input: DispatchRequest,
    attempt: (slot: AttemptSlot, signal: AbortSignal, attempts: AttemptRecord[]) => Promise<T>,
    /** Whether an attempt's value carried an image: only such answers close a circuit opened for image failures. */
    carriesImage: (value: T) => boolean,
    /** A unary attempt is over when it settles; a stream keeps its signal while it is relayed. */
    signalLifetime: 'when-settled' | 'for-ever' = 'for-ever',
  ): Promise<T> {
    const { circuits, keys } = this.options;
    const attempts: AttemptRecord[] = [];
    const deadlineAt = performance.now() + this.options.deadlineMs;
    const plan = planAttempts({
      modelId: input.modelId,
      channels: this.options.channels(),
      isCircuitOpen: (channel, model) => circuits.isOpen(channel, model),
      isDemoted: this.options.isDemoted,
      isGone: this.options.isGone,
      pinnedChannel: input.pinnedChannel,
    });
    if (plan.length === 0)
      throw new DispatchError(
        noRouteError(input.modelId, this.options.channels(), this.options.isGone),
        attempts,
      );
    let lastError: GatewayError | undefined;
    for (const { channel } of plan) {
      // Keyless providers get one try; keyed ones may move to the next key on a key failure.
      const keyTries = Math.max(1, channel.apiKeys.length);
      for (let keyTry = 0; keyTry < keyTries; keyTry += 1) {
        if (attempts.length >= this.options.maxAttempts || performance.now() >= deadlineAt) break;
        const apiKey = keys.pick(channel.name, channel.apiKeys);
        if (channel.apiKeys.length > 0 && apiKey === undefined) {
          lastError ??= exhaustedKeysError(channel.name, keys.snapshot(channel.name, channel.apiKeys));
          break;
        }
        const started = performance.now();
        const abort = abortAfter(Math.min(channel.timeoutMs, deadlineAt - started), input.signal);
        const signal = abort.signal;
        const probing = circuits.beginAttempt(channel.name, input.modelId);
        // The request's buffers may be sent upstream: they are reused only after attempts that read
        // a whole answer (a stream, a failure or an abort may leave a write in flight).
        const giveBuffersBack = input.memory?.lend();
        try {
          const value = await attempt({ channel, apiKey }, signal, attempts);
          giveBuffersBack?.(signalLifetime === 'when-settled');
          if (carriesImage(value)) circuits.recordSuccess(channel.name, input.modelId);
          else circuits.recordAnswerWithoutImage(channel.name, input.modelId);
          this.record(attempts, input.modelId, { channel: channel.name, apiKey, outcome: 'ok', started });
          return value;
        } catch (thrown) {
          giveBuffersBack?.(false);
          const error = asGatewayError(thrown);
          this.record(attempts, input.modelId, {
            channel: channel.name,
            apiKey,
            outcome: error.errorClass,
            httpStatus: error.httpStatus,
            started,
          });
          if (input.signal?.aborted) throw new DispatchError(clientGoneError(), attempts);
          // Once part of the answer has reached the client, no other route can take over.
          if (!shouldFailOver(error) || input.relay?.started) throw new DispatchError(error, attempts);
          lastError = error;
          if (this.routeFailed(channel, input, apiKey, error)) continue;
          break;
        } finally {
          if (signalLifetime === 'when-settled') abort.dispose();
          if (probing) circuits.endProbe(channel.name, input.modelId);
        }
      }
      if (attempts.length >= this.options.maxAttempts || performance.now() >= deadlineAt) break;
    }
    // Every route tried has lost the model: the client hears that about the model, not one route.
    if (
      lastError?.errorClass === 'model_gone' &&
      attempts.every((attempt) => attempt.outcome === 'model_gone')
    ) {
      lastError = modelGoneError(input.modelId, [...new Set(attempts.map((attempt) => attempt.channel))]);
    }
    throw new DispatchError(
      lastError ?? noRouteError(input.modelId, this.options.channels(), this.options.isGone),
      attempts,
    );
  }

  /**
   * What a failed attempt means for its route: the circuit, the gone mark and the key. True when
   * the same channel should be tried again with its next key.
   */
  private routeFailed(
    channel: RouteChannel,
    input: DispatchRequest,
    apiKey: string | undefined,
    error: GatewayError,
  ): boolean {
    if (countsAgainstRoute(error))
      this.options.circuits.recordFailure(channel.name, input.modelId, error.errorClass);
    if (marksRouteGone(error)) {
      this.options.onRouteGone?.({
        channel: channel.name,
        modelId: input.modelId,
        upstreamId: upstreamModelName(channel, input.modelId),
        pinned: input.pinnedChannel !== undefined,
      });
    }
    if (!apiKey || !isKeyFailure(error)) return false;
    const restSeconds = error.errorClass === 'auth' ? 3600 : (error.retryAfterSeconds ?? 60);
    this.options.keys.bench(channel.name, apiKey, error.errorClass, restSeconds);
    return true;
  }

  private record(
    attempts: AttemptRecord[],
    model: string,
    entry: { channel: string; apiKey?: string; outcome: string; httpStatus?: number; started: number },
  ): void {
    const record: AttemptRecord = {
      channel: entry.channel,
      keyFingerprint: keyFingerprint(entry.apiKey),
      outcome: entry.outcome,
      httpStatus: entry.httpStatus,
      latencyMs: Math.round(performance.now() - entry.started),
    };
    attempts.push(record);
    this.options.onAttempt?.({ ...record, model });
  }
}

async function* replay(
  held: UpstreamEvent[],
  rest: AsyncIterator<UpstreamEvent>,
): AsyncGenerator<UpstreamEvent> {
  try {
    yield* held;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
