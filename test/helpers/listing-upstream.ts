// A loopback upstream whose model lists a test sets: Gemini's `GET /v1beta/models` (paged by
// `pageToken`) and OpenAI's `GET /v1/models`, plus Google's 404 NOT_FOUND for the model calls a test
// names gone. Every other request is passed to the upstream-sim behind it, which does the images.
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListedRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface ListingUpstream {
  url: string;
  /** Gemini Model objects (`name: "models/…"`), served in pages of `pageSize`. */
  geminiModels: Array<Record<string, unknown>>;
  /** OpenAI Model objects (`id`, `shutdown_date`…). */
  openaiModels: Array<Record<string, unknown>>;
  /** Upstream model names whose calls answer 404 NOT_FOUND. */
  goneModels: Set<string>;
  /** Every list request, in order. */
  listRequests: ListedRequest[];
  /** Model calls answered 404 here. */
  goneCalls: number;
  close(): Promise<void>;
}

export interface ListingUpstreamOptions {
  /** The upstream-sim every other request goes to. */
  forwardTo?: string;
  /** Models per Gemini page, whatever the caller asks (default: its pageSize). */
  pageSize?: number;
}

const modelCall = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

export async function startListingUpstream(options: ListingUpstreamOptions = {}): Promise<ListingUpstream> {
  const upstream: Omit<ListingUpstream, 'url' | 'close'> = {
    geminiModels: [],
    openaiModels: [],
    goneModels: new Set(),
    listRequests: [],
    goneCalls: 0,
  };
  const sendJson = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(JSON.stringify(value, null, 2));
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const listed = () =>
      upstream.listRequests.push({
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
      });
    if (request.method === 'GET' && url.pathname === '/v1beta/models') {
      listed();
      const size = options.pageSize ?? Number(url.searchParams.get('pageSize') ?? 50);
      const offset = Number(url.searchParams.get('pageToken')?.replace(/^page-/, '') ?? 0);
      const next = offset + size;
      sendJson(response, 200, {
        models: upstream.geminiModels.slice(offset, next),
        ...(next < upstream.geminiModels.length ? { nextPageToken: `page-${next}` } : {}),
      });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/v1/models') {
      listed();
      sendJson(response, 200, { object: 'list', data: upstream.openaiModels });
      return;
    }
    const call = modelCall.exec(decodeURIComponent(url.pathname));
    if (request.method === 'POST' && call && upstream.goneModels.has(call[1])) {
      upstream.goneCalls += 1;
      request.resume();
      sendJson(response, 404, {
        error: {
          code: 404,
          message: `models/${call[1]} is not found for API version v1beta, or is not supported for ${call[2]}. Call ListModels to see the list of available models and their supported methods.`,
          status: 'NOT_FOUND',
        },
      });
      return;
    }
    if (!options.forwardTo) {
      request.resume();
      sendJson(response, 404, { error: { code: 404, message: 'no such route', status: 'NOT_FOUND' } });
      return;
    }
    const target = new URL(request.url ?? '/', options.forwardTo);
    const forwarded = httpRequest(
      target,
      { method: request.method, headers: { ...request.headers, host: target.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(upstream, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A Gemini Model list entry as Google writes it (WIRE.md §4). */
export function geminiModelEntry(
  name: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: `models/${name}`,
    version: '3.1',
    displayName: name,
    description: `The ${name} model`,
    inputTokenLimit: 65536,
    outputTokenLimit: 65536,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
    ...fields,
  };
}

/** An OpenAI Model list entry (developers.openai.com models/list). */
export function openAiModelEntry(id: string, shutdown: string | null = null): Record<string, unknown> {
  return { id, object: 'model', created: 1_762_214_400, owned_by: 'system', shutdown_date: shutdown };
}
