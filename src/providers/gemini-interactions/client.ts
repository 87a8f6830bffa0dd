// The one place that does I/O for channels with `api: interactions`: POST {base}/{version}/interactions
// with the key in x-goog-api-key (or as a bearer token), whole or as an SSE stream.
import type { Readable } from 'node:stream';
import { request as undiciRequest } from 'undici';
import { BytePieces } from '../../canonical/byte-pieces.js';
import { jsonWithImagesPieces, piecesLength } from '../../canonical/json-with-images.js';
import type { GenerateContentRequest } from '../../canonical/types.js';
import { upstreamAgent } from '../../http/upstream-agent.js';
import { connectionError, headerValue, readBody } from '../gemini/client.js';
import { readServerSentEvents } from '../read-sse.js';
import type { Provider, UpstreamEvent, UpstreamResult, UpstreamTarget } from '../types.js';
import { convertRequestToInteraction } from './convert-request.js';
import { malformedInteraction, upstreamErrorFromResponse } from './errors.js';
import { interactionToResponse, readInteractionJson } from './parse-response.js';
import { InteractionStreamReader } from './stream-events.js';

/** `{base}/v1beta/interactions`: a path prefix on the base (a router's) is kept, as the SDK keeps it. */
export function interactionsUrl(target: UpstreamTarget): string {
  const apiVersion = typeof target.options.apiVersion === 'string' ? target.options.apiVersion : 'v1beta';
  return `${target.baseUrl.replace(/\/+$/, '')}/${apiVersion}/interactions`;
}

export function interactionHeaders(target: UpstreamTarget, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
  };
  if (target.apiKey) {
    // Never `?key=`: a key in the URL ends up in proxies' logs (config refuses authStyle query here).
    if (target.options.authStyle === 'bearer') headers.authorization = `Bearer ${target.apiKey}`;
    else headers['x-goog-api-key'] = target.apiKey;
  }
  return headers;
}

async function send(request: GenerateContentRequest, target: UpstreamTarget, stream: boolean) {
  // Built anew for each attempt; image strings are written from the client's bytes, not copied.
  const pieces = jsonWithImagesPieces(
    convertRequestToInteraction(request, { model: target.upstreamModel, stream }),
  );
  const headers = interactionHeaders(target, stream);
  try {
    return await undiciRequest(interactionsUrl(target), {
      method: 'POST',
      headers: pieces.length === 1 ? headers : { ...headers, 'content-length': String(piecesLength(pieces)) },
      // undici writes any iterable of chunks; its types name only single-chunk bodies and streams.
      body: pieces.length === 1 ? pieces[0] : (pieces as Iterable<Buffer> as unknown as Readable),
      signal: target.signal,
      dispatcher: upstreamAgent,
    });
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
}

type Answer = Awaited<ReturnType<typeof send>>;

async function failIfError(answer: Answer, target: UpstreamTarget): Promise<void> {
  if (answer.statusCode < 300) return;
  const text = (await readBody(answer, target)).toString('utf8');
  throw upstreamErrorFromResponse(
    answer.statusCode,
    text,
    headerValue(answer.headers['retry-after']),
    target.channelName,
  );
}

export function createInteractionsClient(): Provider {
  return {
    async generate(request, target): Promise<UpstreamResult> {
      const answer = await send(request, target, false);
      await failIfError(answer, target);
      // No rawBody: the bytes are an Interaction, not the Gemini answer a door could relay as it is.
      const body = await readBody(answer, target);
      return {
        response: interactionToResponse(readInteractionJson(target.channelName, body), target.channelName),
      };
    },

    async stream(request, target): Promise<AsyncIterable<UpstreamEvent>> {
      const answer = await send(request, target, true);
      await failIfError(answer, target);
      const contentType = headerValue(answer.headers['content-type']) ?? '';
      if (!contentType.includes('text/event-stream')) {
        await readBody(answer, target);
        // The upstream's body and type are its words, not the gateway's: neither is repeated.
        throw malformedInteraction(
          target.channelName,
          'a stream was asked for and the answer is not text/event-stream',
        );
      }
      return streamEvents(answer.body, target);
    },
  };
}

async function* streamEvents(
  body: AsyncIterable<Uint8Array>,
  target: UpstreamTarget,
): AsyncGenerator<UpstreamEvent> {
  const reader = new InteractionStreamReader(target.channelName);
  try {
    for await (const event of readServerSentEvents(body)) {
      const data = new BytePieces(event.pieces);
      if (isDone(data)) break;
      if (data.length <= 256 && data.slice(0, data.length).toString('latin1').trim() === '') continue;
      for (const response of reader.read(readInteractionJson(target.channelName, data))) yield { response };
    }
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
  if (!reader.completed) {
    throw malformedInteraction(target.channelName, 'the stream ended before interaction.completed');
  }
}

function isDone(data: BytePieces): boolean {
  return data.length === 6 && data.slice(0, 6).toString('latin1') === '[DONE]';
}
