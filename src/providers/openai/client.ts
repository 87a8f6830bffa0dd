// The one place that does I/O for gpt-image upstreams (`openai`, `openai-compatible`): canonical →
// images/generations JSON or images/edits multipart, over undici; replies and SSE events → canonical.
import { openAiImageOptionsOf } from '../../canonical/openai-image-options.js';
import { FormData as UndiciFormData, request as undiciRequest } from 'undici';
import { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { excessNestingOffset } from '../../canonical/json-nesting.js';
import type { GenerateContentRequest } from '../../canonical/types.js';
import { decodeDataUrl } from '../../canonical/data-urls.js';
import { fetchImage } from '../../http/fetch-image.js';
import { connectionError } from '../gemini/client.js';
import { readServerSentEvents } from '../read-sse.js';
import type { Provider, UpstreamEvent, UpstreamResult, UpstreamTarget } from '../types.js';
import { convertRequestToOpenAiImages, type OpenAiImagesUpstreamRequest } from './convert-request.js';
import { openAiErrorToGatewayError } from './errors.js';
import { parseOpenAiImagesResponse, parseOpenAiImagesStreamEvent } from './parse-response.js';
import { upstreamAgent } from '../../http/upstream-agent.js';

export const OPENAI_API_URL = 'https://api.openai.com';

/** `https://host` + `/v1/images/edits`; a base that already ends in `/v1` (routers) is not doubled. */
export function upstreamUrl(baseUrl: string, path: string): string {
  const base = (baseUrl || OPENAI_API_URL).replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}${path.slice(3)}` : `${base}${path}`;
}

function malformed(channelName: string, detail: string): GatewayError {
  return errorCatalogue.UPSTREAM_MALFORMED(
    `Upstream channel "${channelName}" sent a reply this gateway cannot read (${detail}). Retry; another channel may answer.`,
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The multipart edit as undici's own FormData (undici writes the boundary), like `toFormData`. */
function multipartBody(plan: Extract<OpenAiImagesUpstreamRequest, { kind: 'multipart' }>): UndiciFormData {
  const form = new UndiciFormData();
  for (const [name, value] of plan.fields) form.append(name, value);
  for (const file of plan.files) {
    form.append(file.field, new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.filename);
  }
  return form;
}

async function send(plan: OpenAiImagesUpstreamRequest, target: UpstreamTarget) {
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  let body: string | UndiciFormData;
  if (plan.kind === 'multipart') body = multipartBody(plan);
  else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(plan.body);
  }
  try {
    const answer = await undiciRequest(upstreamUrl(target.baseUrl, plan.path), {
      method: 'POST',
      headers,
      body,
      signal: target.signal,
      dispatcher: upstreamAgent,
    });
    if (answer.statusCode < 300) return answer;
    const text = await answer.body.text();
    throw openAiErrorToGatewayError(
      target.channelName,
      answer.statusCode,
      parseJson(text) ?? text,
      headerValue(answer.headers['retry-after']),
    );
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
}

/** The parsed text, or undefined when it is not JSON or nests too deep to walk safely. */
function parseJson(text: string): unknown {
  if (excessNestingOffset(text) >= 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * An image delivered as a URL (`url` item, a markdown-style data: URL or a hosted file) → base64,
 * so every door gets bytes. Only the channel's own host may be private (it is configured, not user input).
 */
async function urlToBase64(url: string, target: UpstreamTarget): Promise<string> {
  const decoded = decodeDataUrl(url);
  if (decoded) return decoded.data.toString('base64');
  const trustedHosts: string[] = [];
  try {
    trustedHosts.push(new URL(upstreamUrl(target.baseUrl, '/v1')).hostname);
  } catch {
    // No usable base URL: trust nothing.
  }
  try {
    const image = await fetchImage(url, { trustedHosts, signal: target.signal });
    return image.data.toString('base64');
  } catch (error) {
    // The URL is the upstream's, not the caller's: a refusal (private host, not http(s), too large)
    // is the route's fault and fails over, in the gateway's words, never as the caller's 400.
    if (error instanceof GatewayError && error.errorClass === 'bad_request') {
      throw errorCatalogue.UPSTREAM_BAD_ANSWER(
        'The upstream answered with an image URL the gateway does not fetch (not http(s), a private address, or too large).',
      );
    }
    throw error;
  }
}

/** Replaces `url` with `b64_json` on each `data[]` item (or on a stream event) that lacks bytes. */
async function inlineUrls(value: unknown, target: UpstreamTarget): Promise<unknown> {
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.data)) {
    const data = await Promise.all(record.data.map((item: unknown) => inlineUrls(item, target)));
    return { ...record, data };
  }
  if (typeof record.url === 'string' && !record.b64_json) {
    const { url, ...rest } = record;
    return { ...rest, b64_json: await urlToBase64(url, target) };
  }
  return value;
}

async function* streamEvents(
  body: AsyncIterable<Uint8Array>,
  target: UpstreamTarget,
): AsyncGenerator<UpstreamEvent> {
  let completed = false;
  const options = { channelName: target.channelName, modelVersion: target.upstreamModel };
  try {
    for await (const event of readServerSentEvents(body)) {
      if (event.data.trim() === '' || event.data === '[DONE]') continue;
      const parsed = parseJson(event.data);
      if (parsed === undefined) throw malformed(target.channelName, 'a stream event is not JSON');
      const withBytes = await inlineUrls(parsed, target);
      const response = parseOpenAiImagesStreamEvent(withBytes, options);
      if (response.candidates?.some((candidate) => candidate.finishReason)) completed = true;
      yield { response };
    }
  } catch (error) {
    throw connectionError(target.channelName, error, target.signal);
  }
  if (!completed) throw malformed(target.channelName, 'the stream ended before a completed event');
}

export function createOpenAiProvider(): Provider {
  return {
    async generate(request: GenerateContentRequest, target: UpstreamTarget): Promise<UpstreamResult> {
      const plan = convertRequestToOpenAiImages(request, {
        model: target.upstreamModel,
        passthrough: openAiImageOptionsOf(request),
      });
      const answer = await send(plan, target);
      let text: string;
      try {
        text = await answer.body.text();
      } catch (error) {
        throw connectionError(target.channelName, error, target.signal);
      }
      const parsed = parseJson(text);
      if (parsed === undefined) throw malformed(target.channelName, 'its body is not JSON');
      const withBytes = await inlineUrls(parsed, target);
      return {
        response: parseOpenAiImagesResponse(withBytes, {
          channelName: target.channelName,
          modelVersion: target.upstreamModel,
        }),
      };
    },

    async stream(
      request: GenerateContentRequest,
      target: UpstreamTarget,
    ): Promise<AsyncIterable<UpstreamEvent>> {
      const plan = convertRequestToOpenAiImages(request, {
        model: target.upstreamModel,
        stream: true,
        passthrough: openAiImageOptionsOf(request),
      });
      const answer = await send(plan, target);
      const contentType = headerValue(answer.headers['content-type']) ?? '';
      if (!contentType.includes('text/event-stream')) {
        await answer.body.dump().catch(() => undefined);
        // The upstream's body and type are its words, not the gateway's: neither is repeated.
        throw malformed(target.channelName, 'a stream was asked for and the answer is not text/event-stream');
      }
      return streamEvents(answer.body, target);
    },
  };
}
