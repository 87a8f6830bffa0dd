// `startUpstreamSim`: a loopback Gemini-native and OpenAI-compatible upstream backed by the local
// engine, with runtime-changeable faults and a record of every request it received.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, type FaultSpec } from './faults.js';
import { InteractionStore } from './gemini-interactions-store.js';
import { handleGeminiRoute } from './gemini-routes.js';
import { HostedFiles } from './hosted-files.js';
import { readBody, send } from './http-io.js';
import { type ModelList, type ModelListOverrides, type ModelListSpec, buildModelList } from './model-list.js';
import { handleOpenAiRoute, sendOpenAiError } from './openai-routes.js';
import { routeNotFound } from './openai-errors.js';
import { ResponseStore } from './openai-responses-store.js';
import { parseBody, recordedBody } from './parsed-body.js';
import { type RecordedRequest, RequestRecorder, modelNamedBy } from './recorder.js';
import type { SimCall, SimContext } from './sim-context.js';
import { prettyJson } from './wire-format.js';
import * as googleErrors from './gemini-errors.js';

export type { FaultSpec } from './faults.js';
export { FaultParseError, parseFault } from './faults.js';
export type { RecordedFile, RecordedRequest } from './recorder.js';
export type {
  ListedGeminiModel,
  ListedOpenAiModel,
  ModelList,
  ModelListOverrides,
  ModelListSpec,
} from './model-list.js';
export { ModelListError, buildModelList } from './model-list.js';
export { readModelListFile } from './model-list-file.js';
export { defaultModelList } from './default-model-list.js';

export interface UpstreamSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  faults?: ReadonlyArray<FaultSpec | string>;
  /** Share of model requests the faults hit (0..1, default 1). */
  faultRate?: number;
  /** Accept only this key / bearer token (default: any). */
  apiKey?: string;
  /** Seed of the fault sampler, so a fault rate below 1 is reproducible. */
  seed?: number;
  /** Pad every answer image to about this many bytes. */
  imageBytes?: number;
  /** Faults hit only requests made with one of these keys. */
  faultKeys?: string[];
  /** Where log lines go (default: nowhere). */
  log?: (line: string) => void;
  /**
   * The ids each provider lists (a provider left out keeps the default list of 2026-12-06, GA ids
   * only); any other id answers the provider's 404. Throws ModelListError when it does not check.
   */
  models?: ModelListSpec;
  /** Changes on top of `models`, as the --model-list, --gone-model and --shutdown-date flags make. */
  modelOverrides?: ModelListOverrides;
}

export interface UpstreamSim {
  url: string;
  port: number;
  /** Every request since start or the last reset, in arrival order (a live array). */
  received: RecordedRequest[];
  readonly requestCount: number;
  setFaults(faults: ReadonlyArray<FaultSpec | string>, rate?: number): void;
  /** Faults hit only requests made with these keys (undefined: every request). */
  setFaultKeys(keys: string[] | undefined): void;
  /** Pad every answer image to about this many bytes (undefined: no padding). */
  setImageBytes(bytes: number | undefined): void;
  /** The ids each provider lists now, and the gone ones. */
  readonly models: ModelList;
  /** Serves another model list from the next request on (as the `models` option reads it). */
  setModels(spec: ModelListSpec, overrides?: ModelListOverrides): void;
  /** Forgets received requests, hosted files, stored responses and interactions; restarts the fault sampler. */
  reset(): void;
  close(): Promise<void>;
}

function queryRecord(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

function serveHostedFile(context: SimContext, call: SimCall): boolean {
  const match = /^\/sim-files\/([\w.-]+)$/.exec(call.url.pathname);
  if (call.request.method !== 'GET' || !match) return false;
  const file = context.hostedFiles.get(match[1]);
  if (file) send(call.response, 200, file.mimeType, file.data);
  else send(call.response, 404, 'text/plain', 'Not Found');
  return true;
}

async function handle(
  context: SimContext,
  recorder: RequestRecorder,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sim.invalid');
  const raw = await readBody(request);
  const body = await parseBody(request.headers, raw);
  const recorded = recordedBody(body);
  recorder.add({
    method: request.method ?? 'GET',
    path: url.pathname,
    query: queryRecord(url),
    headers: request.headers,
    body: recorded,
    files: body.files,
    at: Date.now(),
    model: modelNamedBy(url.pathname, recorded),
  });
  context.log(`${request.method} ${url.pathname}${url.search ? '?…' : ''} (${raw.length} bytes)`);
  const call: SimCall = { request, response, url, body };
  if (serveHostedFile(context, call)) return;
  if (await handleGeminiRoute(context, call)) return;
  if (await handleOpenAiRoute(context, call)) return;
  if (url.pathname.startsWith('/v1beta/')) {
    const error = googleErrors.routeNotFound();
    send(response, error.httpStatus, 'application/json; charset=UTF-8', prettyJson(error.body));
    return;
  }
  sendOpenAiError(response, routeNotFound(request.method ?? 'GET', url.pathname));
}

export async function startUpstreamSim(options: UpstreamSimOptions = {}): Promise<UpstreamSim> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  let baseUrl = '';
  const recorder = new RequestRecorder();
  const models = buildModelList(options.models, options.modelOverrides);
  const context: SimContext = {
    models,
    faults: new FaultPlan(options.faults ?? [], options.faultRate ?? 1, options.seed ?? 1),
    hostedFiles: new HostedFiles(() => baseUrl),
    apiKey: options.apiKey,
    log,
    imageBytes: options.imageBytes,
    faultKeys: options.faultKeys ? new Set(options.faultKeys) : undefined,
    responses: new ResponseStore(),
    interactions: new InteractionStore(),
  };
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    handle(context, recorder, request, response).catch((error: unknown) => {
      log(`upstream-sim: ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) {
        const failure = googleErrors.internalError();
        send(response, 500, 'application/json; charset=UTF-8', prettyJson(failure.body));
      } else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${port}`;
  return {
    url: baseUrl,
    port,
    received: recorder.received,
    get requestCount() {
      return recorder.received.length;
    },
    setFaults(faults, rate) {
      context.faults.set(faults, rate);
    },
    setFaultKeys(keys) {
      context.faultKeys = keys ? new Set(keys) : undefined;
    },
    setImageBytes(bytes) {
      context.imageBytes = bytes;
    },
    get models() {
      return context.models;
    },
    setModels(spec, overrides) {
      context.models = buildModelList(spec, overrides);
    },
    reset() {
      recorder.clear();
      context.hostedFiles.clear();
      context.responses.clear();
      context.interactions.clear();
      context.faults.restart();
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
