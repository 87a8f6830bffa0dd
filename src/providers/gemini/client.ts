// The one place that does I/O for Gemini-wire upstreams (AI Studio, Gemini-compatible, Vertex).
import type { Readable } from 'node:stream';
import { request as undiciRequest } from 'undici';
import { BytePieces } from '../../canonical/byte-pieces.js';
import { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { begunImageStringStart } from '../../canonical/find-image-strings.js';
import { jsonWithImagesPieces, piecesLength } from '../../canonical/json-with-images.js';
import { collectBody } from '../../http/collect-body.js';
import { countedBodyBytes } from '../../security/limits.js';
import type { GenerateContentRequest } from '../../canonical/types.js';
import { readServerSentEvents } from '../read-sse.js';
import type { Provider, UpstreamEvent, UpstreamRelay, UpstreamResult, UpstreamTarget } from '../types.js';
import type { GeminiMethod, HttpRequestPlan } from './convert-request.js';
import { upstreamErrorFromResponse, malformedUpstreamAnswer } from './errors.js';
import { parseGeminiBody } from './parse-response.js';
import { upstreamAgent } from '../../http/upstream-agent.js';

export type PlanRequest = (
  target: UpstreamTarget,
  method: GeminiMethod,
) => Promise<HttpRequestPlan> | HttpRequestPlan;

/** Maps a thrown network error to the gateway's classes (aborts by deadline are timeouts). */
export function connectionError(channelName: string, error: unknown, signal: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof GatewayError) return reason;
    return errorCatalogue.UPSTREAM_TIMEOUT(
      `Upstream channel "${channelName}" did not answer in time.`,
      error,
    );
  }
  const code = (error as { code?: string }).code ?? (error as Error).name;
  return errorCatalogue.UPSTREAM_UNREACHABLE(
    `Could not reach upstream channel "${channelName}" (${code}).`,
    error,
  );
}

async function send(plan: HttpRequestPlan, request: GenerateContentRequest, target: UpstreamTarget) {
  // The client's own bytes when they are the canonical request: no multi-megabyte re-serialising.
  // Otherwise the JSON in pieces whose images are views of the client's bytes (built anew for each
  // attempt, so a failover sends them again).
  const pieces = target.rawRequestBody ? [target.rawRequestBody] : jsonWithImagesPieces(request);
  try {
    return await undiciRequest(plan.url, {
      method: 'POST',
      headers:
        pieces.length === 1
          ? plan.headers
          : { ...plan.headers, 'content-length': String(piecesLength(pieces)) },
      // undici writes any iterable of chunks; its types name only single-chunk bodies and streams.
      body: pieces.length === 1 ? pieces[0] : (pieces as Iterable<Buffer> as unknown as Readable),
      signal: target.signal,
      dispatcher: upstreamAgent,
    });
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
}

export async function readBody(
  answer: { body: AsyncIterable<Uint8Array>; headers: Record<string, string | string[] | undefined> },
  target: UpstreamTarget,
  relay?: UpstreamRelay,
): Promise<Buffer> {
  const declaredLength = headerValue(answer.headers['content-length']);
  const counted = Number(declaredLength) >= countedBodyBytes && target.memory !== undefined;
  if (counted) target.memory?.countAnswer(Number(declaredLength));
  const relaying =
    relay && Number(declaredLength) >= countedBodyBytes ? relayOnceImageBegins(relay, target) : undefined;
  try {
    const body = await collectBody(answer.body, {
      declaredLength,
      allocate: target.memory?.take,
      onProgress: relaying,
    });
    if (counted) target.memory?.counted(body);
    return body;
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
}

/** Head bytes of an image string that must have arrived before the route is committed to. */
const committedImageHead = 64 * 1024;
const MiB = 1024 * 1024;

/**
 * Sends a large answer on while it arrives, from the moment its head shows an image under way (then
 * the attempt is committed: it can no longer fail over). The newest chunk is always held back; the
 * door writes what is left after the settle.
 */
function relayOnceImageBegins(relay: UpstreamRelay, target: UpstreamTarget) {
  let previous = 0;
  let declined = false;
  return (whole: Buffer, received: number) => {
    if (!relay.started) {
      // An image shows in the first MiB or not at all: the rest is read whole, as before.
      if (previous > MiB || declined) return;
      const imageStart =
        received < committedImageHead
          ? -1
          : begunImageStringStart(whole.subarray(0, received), committedImageHead);
      if (imageStart < 0) {
        previous = received;
        return;
      }
      if (relay.declines?.(whole.subarray(imageStart, received))) {
        declined = true;
        return;
      }
      relay.begin(target.channelName, whole.length);
    }
    relay.sendUpTo(whole, previous);
    previous = received;
  };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createGeminiWireProvider(planRequest: PlanRequest): Provider {
  return {
    async generate(request, target): Promise<UpstreamResult> {
      const plan = await planRequest(target, 'generateContent');
      const answer = await send(plan, request, target);
      const rawBody = await readBody(answer, target, answer.statusCode === 200 ? target.relay : undefined);
      if (answer.statusCode >= 300) {
        throw upstreamErrorFromResponse(
          answer.statusCode,
          rawBody.toString('utf8'),
          headerValue(answer.headers['retry-after']),
          target.channelName,
        );
      }
      return { response: parseGeminiBody(target.channelName, rawBody), rawBody };
    },

    async stream(request, target): Promise<AsyncIterable<UpstreamEvent>> {
      const plan = await planRequest(target, 'streamGenerateContent');
      const answer = await send(plan, request, target);
      if (answer.statusCode >= 300) {
        const text = (await readBody(answer, target)).toString('utf8');
        throw upstreamErrorFromResponse(
          answer.statusCode,
          text,
          headerValue(answer.headers['retry-after']),
          target.channelName,
        );
      }
      const contentType = headerValue(answer.headers['content-type']) ?? '';
      if (!contentType.includes('text/event-stream')) {
        await readBody(answer, target);
        // The upstream's body and type are its words, not the gateway's: neither is repeated.
        throw malformedUpstreamAnswer(
          target.channelName,
          'a stream was asked for and the answer is not text/event-stream',
        );
      }
      return streamEvents(answer.body, target);
    },

    async countTokens(request, target): Promise<Record<string, unknown>> {
      const plan = await planRequest(target, 'countTokens');
      const answer = await send(
        plan,
        { contents: request.contents },
        { ...target, rawRequestBody: undefined },
      );
      const text = (await readBody(answer, target)).toString('utf8');
      if (answer.statusCode >= 300) {
        throw upstreamErrorFromResponse(answer.statusCode, text, undefined, target.channelName);
      }
      return parseGeminiBody(target.channelName, text) as Record<string, unknown>;
    },
  };
}

async function* streamEvents(
  body: AsyncIterable<Uint8Array>,
  target: UpstreamTarget,
): AsyncGenerator<UpstreamEvent> {
  let sawFinish = false;
  try {
    for await (const event of readServerSentEvents(body)) {
      const data = new BytePieces(event.pieces);
      if (isBlank(data) || isDone(data)) continue;
      const response = parseGeminiBody(target.channelName, data);
      if (
        response.candidates?.some((candidate) => candidate.finishReason) ||
        response.promptFeedback?.blockReason
      ) {
        sawFinish = true;
      }
      yield { response, rawJson: event.pieces };
    }
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
  if (!sawFinish) {
    throw malformedUpstreamAnswer(target.channelName, 'the stream ended before a finishReason');
  }
}

/** Whether an event's data is only whitespace (looks at bytes up to the first other one). */
function isBlank(data: BytePieces): boolean {
  for (let index = 0; index < data.length; index += 1) {
    const byte = data.at(index);
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

function isDone(data: BytePieces): boolean {
  return data.length === 6 && data.slice(0, 6).toString('latin1') === '[DONE]';
}
