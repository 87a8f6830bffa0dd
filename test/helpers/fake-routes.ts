// Routes without a network for the dispatcher's unit tests: a provider that plays a script of
// replies (answers, upstream errors, silence, streams) and records every call it gets, the channels
// that carry it, and the canonical answers and errors an upstream gives.
import { GatewayError, type ErrorClass } from '../../src/canonical/errors.js';
import type { GenerateContentResponse } from '../../src/canonical/types.js';
import type { Provider, UpstreamEvent, UpstreamTarget } from '../../src/providers/types.js';
import type { RouteChannel } from '../../src/routing/channel.js';

const pixel = Buffer.from('a generated image').toString('base64');

export function imageAnswer(): GenerateContentResponse {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: pixel } }] },
        finishReason: 'STOP',
      },
    ],
  };
}

export function textAnswer(text = 'no picture today'): GenerateContentResponse {
  return { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }] };
}

export function safetyAnswer(): GenerateContentResponse {
  return { candidates: [{ finishReason: 'IMAGE_SAFETY' }] };
}

/** An error as a provider raises it for an upstream's failure. */
export function upstreamError(
  errorClass: ErrorClass,
  extra: { httpStatus?: number; retryAfterSeconds?: number; gatewayBusy?: boolean } = {},
): GatewayError {
  const statusOf: Partial<Record<ErrorClass, number>> = {
    bad_request: 400,
    auth: 401,
    permission: 403,
    model_gone: 404,
    quota: 429,
    rate_limited: 429,
    overloaded: 503,
    timeout: 504,
  };
  return new GatewayError({
    errorClass,
    httpStatus: extra.httpStatus ?? statusOf[errorClass] ?? 502,
    message: `upstream said ${errorClass}`,
    retryAfterSeconds: extra.retryAfterSeconds,
    gatewayBusy: extra.gatewayBusy,
  });
}

/** What one call to a fake provider does. */
export type Reply =
  | { kind: 'answer'; response: GenerateContentResponse }
  | { kind: 'fail'; error: unknown }
  /** Never answers: waits for its attempt's signal, then fails as a real client does (a timeout). */
  | { kind: 'silent' }
  /** A stream: these events, then `end` (done, an error, or silence until the signal aborts). */
  | { kind: 'events'; events: GenerateContentResponse[]; end?: GatewayError | 'silent' };

export const answer = (response: GenerateContentResponse): Reply => ({ kind: 'answer', response });
export const fail = (error: unknown): Reply => ({ kind: 'fail', error });
export const silent = (): Reply => ({ kind: 'silent' });
export const events = (list: GenerateContentResponse[], end?: GatewayError | 'silent'): Reply => ({
  kind: 'events',
  events: list,
  end,
});

export interface ProviderCall {
  method: 'generate' | 'stream';
  channel: string;
  apiKey?: string;
  upstreamModel: string;
  signal: AbortSignal;
}

export interface FakeProvider extends Provider {
  calls: ProviderCall[];
  /** Events the consumer of a stream has read from this provider (not the ones still held back). */
  eventsPulled: number;
}

/** The timeout a real client raises when its attempt's signal aborts (see connectionError). */
function abortedError(target: UpstreamTarget): GatewayError {
  return new GatewayError({
    errorClass: 'timeout',
    httpStatus: 504,
    message: `Upstream channel "${target.channelName}" did not answer in time.`,
    cause: target.signal.reason,
  });
}

function untilAborted(target: UpstreamTarget): Promise<never> {
  return new Promise((_, reject) => {
    if (target.signal.aborted) reject(abortedError(target));
    else target.signal.addEventListener('abort', () => reject(abortedError(target)), { once: true });
  });
}

/**
 * A provider that gives its replies in order, one per call (generate or stream), and repeats the
 * last one when the script runs out.
 */
export function fakeProvider(...replies: Reply[]): FakeProvider {
  if (replies.length === 0) throw new Error('a fake provider needs at least one reply');
  const provider: FakeProvider = {
    calls: [],
    eventsPulled: 0,
    async generate(_request, target) {
      const reply = next(provider, 'generate', target);
      if (reply.kind === 'answer') return { response: structuredClone(reply.response) };
      if (reply.kind === 'fail') throw reply.error;
      if (reply.kind === 'silent') return untilAborted(target);
      throw new Error('a stream reply was given to generate');
    },
    async stream(_request, target) {
      const reply = next(provider, 'stream', target);
      if (reply.kind === 'fail') throw reply.error;
      if (reply.kind === 'silent') return untilAborted(target);
      const list = reply.kind === 'answer' ? [reply.response] : reply.events;
      const end = reply.kind === 'events' ? reply.end : undefined;
      async function* play(): AsyncGenerator<UpstreamEvent> {
        for (const response of list) {
          provider.eventsPulled += 1;
          yield { response: structuredClone(response) };
        }
        if (end === 'silent') await untilAborted(target);
        else if (end) throw end;
      }
      return play();
    },
  };
  let index = 0;
  function next(self: FakeProvider, method: ProviderCall['method'], target: UpstreamTarget): Reply {
    self.calls.push({
      method,
      channel: target.channelName,
      apiKey: target.apiKey,
      upstreamModel: target.upstreamModel,
      signal: target.signal,
    });
    const reply = replies[Math.min(index, replies.length - 1)];
    index += 1;
    return reply;
  }
  return provider;
}

export const testModel = 'gemini-3.1-flash-image';

/** A channel serving `testModel` through `provider`; higher priority is tried first. */
export function fakeChannel(
  name: string,
  provider: Provider,
  fields: Partial<Omit<RouteChannel, 'name' | 'provider'>> = {},
): RouteChannel {
  return {
    name,
    providerType: 'gemini-compatible',
    provider,
    baseUrl: `http://${name}.invalid`,
    apiKeys: [`key-${name}`],
    models: [testModel],
    modelMap: {},
    priority: 1,
    weight: 1,
    timeoutMs: 60_000,
    options: {},
    ...fields,
  };
}
