// A loopback Gemini upstream whose model list a test sets and pages as small as it likes (`GET
// /v1beta/models` by `pageToken`; the upstream-sim pages only by the caller's pageSize). Every other
// request is passed to the upstream-sim behind it, which does the images.
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface ListedRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface ListingUpstream {
  url: string;
  /** Gemini Model objects (`name: "models/…"`), served in pages of `pageSize`. */
  geminiModels: Array<Record<string, unknown>>;
  /** Every list request, in order. */
  listRequests: ListedRequest[];
  close(): Promise<void>;
}

export interface ListingUpstreamOptions {
  /** The upstream-sim every other request goes to. */
  forwardTo?: string;
  /** Models per Gemini page, whatever the caller asks (default: its pageSize). */
  pageSize?: number;
}

export async function startListingUpstream(options: ListingUpstreamOptions = {}): Promise<ListingUpstream> {
  const upstream: Omit<ListingUpstream, 'url' | 'close'> = { geminiModels: [], listRequests: [] };
  const sendJson = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(JSON.stringify(value, null, 2));
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/v1beta/models') {
      upstream.listRequests.push({
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
      });
      const size = options.pageSize ?? Number(url.searchParams.get('pageSize') ?? 50);
      const offset = Number(url.searchParams.get('pageToken')?.replace(/^page-/, '') ?? 0);
      const next = offset + size;
      sendJson(response, 200, {
        models: upstream.geminiModels.slice(offset, next),
        ...(next < upstream.geminiModels.length ? { nextPageToken: `page-${next}` } : {}),
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
  return Object.assign(upstream, await listenOnLoopback(server));
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
