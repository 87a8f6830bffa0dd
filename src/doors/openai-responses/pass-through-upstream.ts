// The I/O of Responses pass-through: the client's body to `{baseUrl}/v1/responses` of the channels
// that list the text model, by priority, failing over on route failures before any byte went to the
// client; and GET / DELETE of a stored id on the channel (and key) that made it.
import type { Dispatcher } from 'undici';
import { request as undiciRequest } from 'undici';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { ResponsesModelConfig } from '../../config/types.js';
import { upstreamAgent } from '../../http/upstream-agent.js';
import { connectionError } from '../../providers/gemini/client.js';
import { upstreamUrl } from '../../providers/openai/client.js';
import { openAiErrorToGatewayError } from '../../providers/openai/errors.js';
import type { RouteChannel } from '../../routing/channel.js';
import type { AttemptRecord } from '../../routing/dispatch.js';
import type { CircuitBreakers } from '../../routing/circuit-breaker.js';
import { countsAgainstRoute, isKeyFailure, shouldFailOver } from '../../routing/failover-policy.js';
import { type KeyPool, keyFingerprint } from '../../routing/key-pool.js';

/** What pass-through needs of the running gateway. */
export interface PassThroughDeps {
  channels: readonly RouteChannel[];
  keys: KeyPool;
  /** Per (channel, text model): a route that keeps failing rests, as image routes do. */
  circuits: CircuitBreakers;
}

/** A text model some channel relays, and those channels by priority (higher first, then as configured). */
export interface PassThroughRoute {
  model: ResponsesModelConfig;
  channels: RouteChannel[];
}

export function passThroughRoute(deps: PassThroughDeps, modelId: string): PassThroughRoute | undefined {
  const listing = (channel: RouteChannel) => channel.responsesModels?.find((entry) => entry.id === modelId);
  const channels = deps.channels
    .filter((channel) => listing(channel) !== undefined)
    .sort((a, b) => b.priority - a.priority);
  // The first channel by priority sets the prices the request is billed at.
  const model = channels[0] ? listing(channels[0]) : undefined;
  return model ? { model, channels } : undefined;
}

export interface OpenedPassThrough {
  answer: Dispatcher.ResponseData;
  channel: RouteChannel;
  keyFingerprint: string;
  attempts: AttemptRecord[];
}

/** A failure after every channel was tried, with the attempts made (for the request log). */
export class PassThroughFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly attempts: AttemptRecord[],
  ) {
    super(error.message);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function upstreamFailure(
  channel: RouteChannel,
  answer: Dispatcher.ResponseData,
): Promise<GatewayError> {
  const text = await answer.body.text();
  return openAiErrorToGatewayError(
    channel.name,
    answer.statusCode,
    parseJson(text),
    headerValue(answer.headers['retry-after']),
  );
}

function attemptSignal(channel: RouteChannel, signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(channel.timeoutMs)]);
}

type AttemptResult = { answer: Dispatcher.ResponseData } | { failure: GatewayError };

/** One POST to one channel with one key; the attempt is recorded either way. */
async function attempt(
  channel: RouteChannel,
  apiKey: string,
  body: string,
  options: { stream: boolean; signal: AbortSignal },
  attempts: AttemptRecord[],
): Promise<AttemptResult> {
  const started = performance.now();
  const record = (outcome: string, httpStatus?: number) =>
    attempts.push({
      channel: channel.name,
      keyFingerprint: keyFingerprint(apiKey),
      outcome,
      ...(httpStatus === undefined ? {} : { httpStatus }),
      latencyMs: Math.round(performance.now() - started),
    });
  const signal = attemptSignal(channel, options.signal);
  try {
    const answer = await undiciRequest(upstreamUrl(channel.baseUrl, '/v1/responses'), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        accept: options.stream ? 'text/event-stream' : 'application/json',
      },
      body,
      signal,
      dispatcher: upstreamAgent,
    });
    if (answer.statusCode < 300) {
      record('ok', answer.statusCode);
      return { answer };
    }
    const failure = await upstreamFailure(channel, answer);
    record(failure.errorClass, answer.statusCode);
    return { failure };
  } catch (error) {
    const failure = connectionError(channel.name, error, signal);
    record(failure.errorClass);
    return { failure };
  }
}

/**
 * Sends the body (`bodyFor` the channel) to each channel in turn until one answers 2xx. A caller's
 * mistake (a 4xx about the request) is final and thrown at once; a route failure (connection, 429,
 * 5xx, credentials) counts against the (channel, text model) circuit, benches the key when it is the
 * key's, and moves on. `pinned` limits the channels to the one named (an open circuit included:
 * only that upstream knows the stored response).
 */
export async function openPassThrough(
  deps: PassThroughDeps,
  route: PassThroughRoute,
  bodyFor: (channel: RouteChannel) => string,
  options: { stream: boolean; signal: AbortSignal; pinned?: { channel: string; keyFingerprint?: string } },
): Promise<OpenedPassThrough> {
  const attempts: AttemptRecord[] = [];
  const modelId = route.model.id;
  const { circuits } = deps;
  let lastError: GatewayError | undefined;
  const channels = options.pinned
    ? route.channels.filter((channel) => channel.name === options.pinned?.channel)
    : route.channels.filter((channel) => !circuits.isOpen(channel.name, modelId));
  for (const channel of channels) {
    const apiKey = keyFor(deps, channel, options.pinned?.keyFingerprint);
    if (apiKey === undefined) {
      lastError ??= errorCatalogue.NO_CHANNEL(`Upstream channel "${channel.name}" has no usable API key.`);
      continue;
    }
    const probing = circuits.beginAttempt(channel.name, modelId);
    let result: AttemptResult;
    try {
      result = await attempt(channel, apiKey, bodyFor(channel), options, attempts);
    } finally {
      if (probing) circuits.endProbe(channel.name, modelId);
    }
    if ('answer' in result) {
      circuits.recordSuccess(channel.name, modelId);
      return { answer: result.answer, channel, keyFingerprint: keyFingerprint(apiKey), attempts };
    }
    const { failure } = result;
    if (countsAgainstRoute(failure)) circuits.recordFailure(channel.name, modelId, failure.errorClass);
    if (options.signal.aborted || !shouldFailOver(failure)) throw new PassThroughFailure(failure, attempts);
    if (isKeyFailure(failure)) {
      deps.keys.bench(channel.name, apiKey, failure.errorClass, failure.retryAfterSeconds ?? 60);
    }
    lastError = failure;
  }
  throw new PassThroughFailure(
    lastError ??
      errorCatalogue.NO_CHANNEL(
        `No upstream channel serves '${modelId}' now: every one listing it is resting after failures.`,
        5,
      ),
    attempts,
  );
}

/** The key a stored id was made with (the upstream keeps responses per key), else the pool's next. */
function keyFor(deps: PassThroughDeps, channel: RouteChannel, fingerprint?: string): string | undefined {
  if (fingerprint !== undefined) {
    const same = channel.apiKeys.find((key) => keyFingerprint(key) === fingerprint);
    if (same !== undefined) return same;
  }
  return deps.keys.pick(channel.name, channel.apiKeys);
}

export interface ForwardedReply {
  status: number;
  contentType: string;
  body: string;
}

/** GET or DELETE `/v1/responses/{id}` on the channel that made the response, answered as it came. */
export async function forwardStored(
  deps: PassThroughDeps,
  made: { channel: string; keyFingerprint?: string },
  method: 'GET' | 'DELETE',
  id: string,
  signal: AbortSignal,
  /** After the response's path: `/input_items?…` for its input items. */
  suffix = '',
): Promise<ForwardedReply> {
  const channel = deps.channels.find((entry) => entry.name === made.channel);
  const apiKey = channel ? keyFor(deps, channel, made.keyFingerprint) : undefined;
  if (!channel || apiKey === undefined) {
    throw errorCatalogue.NO_CHANNEL(
      `The channel that made response '${id}' is no longer configured or has no usable API key.`,
    );
  }
  const attempt = attemptSignal(channel, signal);
  try {
    const answer = await undiciRequest(
      upstreamUrl(channel.baseUrl, `/v1/responses/${encodeURIComponent(id)}${suffix}`),
      {
        method,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
        signal: attempt,
        dispatcher: upstreamAgent,
      },
    );
    if (answer.statusCode === 404) {
      // Gone upstream (expired there, or deleted elsewhere): the client's answer is the same 404.
      await answer.body.dump().catch(() => undefined);
      throw errorCatalogue.STORED_TURN_NOT_FOUND(`Response with id '${id}' not found.`);
    }
    if (answer.statusCode >= 300) throw await upstreamFailure(channel, answer);
    return {
      status: answer.statusCode,
      contentType: headerValue(answer.headers['content-type']) ?? 'application/json',
      body: await answer.body.text(),
    };
  } catch (error) {
    throw connectionError(channel.name, error, attempt);
  }
}
