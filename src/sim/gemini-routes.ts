// The Gemini-native routes (AI Studio v1beta and Vertex publisher paths): auth, validation, faults,
// then the engine-backed answer in Google's wire shapes.

import type { GenerateContentRequest } from '../canonical/types.js';
import { GatewayError } from '../canonical/errors.js';
import { type GeminiAnswer, answerGemini } from './gemini-answer.js';
import { interactionsRoute } from './gemini-interactions.js';
import * as errors from './gemini-errors.js';
import {
  type GeminiWireMode,
  type SendTarget,
  sendAnswer,
  sendBrokenAnswer,
  sendGoogleError,
} from './gemini-send.js';
import { invalidJsonPayload, validateGenerateRequest } from './gemini-validate.js';
import { delay, googleCredential, googleJsonType, resetConnection, send, simImageBytes } from './http-io.js';
import { geminiModelResource, listGeminiModels } from './gemini-list-models.js';
import { textTokens } from './model-families.js';
import { isRecord, toCamelCase } from './normalize-request.js';
import { drawFaults, type SimCall, type SimContext } from './sim-context.js';
import { prettyJson } from './wire-format.js';

const studioPattern = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;
const vertexPattern =
  /^\/v1(?:beta1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const payloadLimitBytes = 20 * 1024 * 1024;

interface GeminiRoute {
  model: string;
  method: string;
  vertex: boolean;
  resource: string;
}

function matchRoute(path: string): GeminiRoute | undefined {
  const studio = studioPattern.exec(path);
  if (studio) return { model: studio[1], method: studio[2], vertex: false, resource: `models/${studio[1]}` };
  const vertex = vertexPattern.exec(path);
  if (vertex) {
    const resource = `projects/${vertex[1]}/locations/${vertex[2]}/publishers/google/models/${vertex[3]}`;
    return { model: vertex[3], method: vertex[4], vertex: true, resource };
  }
  return undefined;
}

function authError(context: SimContext, call: SimCall, vertex: boolean): errors.GoogleError | undefined {
  const credential = googleCredential(call.request, call.url.searchParams);
  if (vertex) {
    const bearer = call.request.headers.authorization;
    if (!bearer || (context.apiKey !== undefined && credential !== context.apiKey)) {
      return errors.vertexUnauthenticated();
    }
    return undefined;
  }
  if (!credential) return errors.unregisteredCaller();
  if (context.apiKey !== undefined && credential !== context.apiKey) return errors.apiKeyInvalid();
  return undefined;
}

function sendJson(call: SimCall, value: unknown): void {
  send(call.response, 200, googleJsonType, prettyJson(value), { Server: 'scaffolding on HTTPServer2' });
}

function countTokens(call: SimCall, request: GenerateContentRequest): void {
  const nested = isRecord(request.generateContentRequest) ? request.generateContentRequest : request;
  const contents = Array.isArray(nested.contents) ? (nested as GenerateContentRequest).contents : [];
  const parts = contents.flatMap((content) => content.parts ?? []);
  const text = parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  const images = parts.filter((part) => part.inlineData).length;
  const details = [{ modality: 'TEXT', tokenCount: textTokens(text) }];
  if (images > 0) details.push({ modality: 'IMAGE', tokenCount: images * 560 });
  const totalTokens = details.reduce((sum, detail) => sum + detail.tokenCount, 0);
  sendJson(call, { totalTokens, promptTokensDetails: details });
}

function wireMode(route: GeminiRoute, call: SimCall): GeminiWireMode {
  if (route.method !== 'streamGenerateContent') return 'json';
  return call.url.searchParams.get('alt') === 'sse' ? 'sse' : 'array';
}

/** Handles the call when it is a Gemini route; returns false to let other routes try. */
export async function handleGeminiRoute(context: SimContext, call: SimCall): Promise<boolean> {
  const path = decodeURIComponent(call.url.pathname);
  const method = call.request.method ?? 'GET';
  const interactions = interactionsRoute(method, path);
  if (interactions) {
    const denied = authError(context, call, false);
    if (denied)
      sendGoogleError({ response: call.response, mode: 'json', modelVersion: '', vertex: false }, denied);
    else await interactions(context, call);
    return true;
  }
  const getMatch = /^\/v1beta\/models(?:\/([^/:]+))?$/.exec(path);
  if (method === 'GET' && getMatch) {
    const target: SendTarget = { response: call.response, mode: 'json', modelVersion: '', vertex: false };
    const denied = authError(context, call, false);
    if (denied) sendGoogleError(target, denied);
    else if (!getMatch[1]) {
      const listed = listGeminiModels(context.models, call.url.searchParams);
      if ('error' in listed) sendGoogleError(target, listed.error);
      else sendJson(call, listed.body);
    } else {
      const model = context.models.findGemini(getMatch[1]);
      if (model) sendJson(call, geminiModelResource(model));
      else sendGoogleError(target, errors.modelNotFound(getMatch[1], 'getModel'));
    }
    return true;
  }
  const route = method === 'POST' ? matchRoute(path) : undefined;
  if (!route) return false;
  await serveModelCall(context, call, route);
  return true;
}

async function serveModelCall(context: SimContext, call: SimCall, route: GeminiRoute): Promise<void> {
  const target: SendTarget = {
    response: call.response,
    mode: wireMode(route, call),
    modelVersion: route.model,
    vertex: route.vertex,
  };
  const denied = authError(context, call, route.vertex);
  if (denied) return sendGoogleError(target, denied);
  // A gone or never-listed id answers 404 before anything else is read, as Google does.
  const model = context.models.findGemini(route.model);
  if (!model) {
    const notFound = route.vertex
      ? errors.vertexModelNotFound(route.resource)
      : errors.modelNotFound(route.model, route.method === 'countTokens' ? 'countTokens' : 'generateContent');
    return sendGoogleError(target, notFound);
  }
  if (call.body.raw.length > payloadLimitBytes) {
    return sendGoogleError(target, errors.payloadTooLarge(payloadLimitBytes));
  }
  if (call.body.jsonError !== undefined || call.body.json === undefined) {
    return sendGoogleError(target, invalidJsonPayload(call.body.raw.toString('utf8'), call.body.jsonError));
  }
  const request = toCamelCase(call.body.json) as GenerateContentRequest;
  if (route.method === 'countTokens') return countTokens(call, request);
  const invalid = validateGenerateRequest(model, request);
  if (invalid) return sendGoogleError(target, invalid);

  const faults = drawFaults(context, googleCredential(call.request, call.url.searchParams));
  await delay(faults.latencyMilliseconds);
  if (faults.has('reset')) return resetConnection(call.response);
  if (faults.has('503')) return sendGoogleError(target, errors.overloaded());
  if (faults.has('500')) return sendGoogleError(target, errors.internalError());
  if (faults.has('429')) return sendGoogleError(target, errors.quotaExhausted(route.model));
  if (sendBrokenAnswer(target, faults)) return;

  let answer: GeminiAnswer;
  try {
    answer = await answerGemini({
      model,
      modelName: route.model,
      request,
      faults,
      hostedFiles: context.hostedFiles,
      imageBytes: simImageBytes(call.request) ?? context.imageBytes,
    });
  } catch (error) {
    // The engine rejects requests it cannot read (bad image data, TEXT-only modalities) as 4xx.
    if (error instanceof GatewayError && error.httpStatus < 500) {
      return sendGoogleError(target, errors.invalidArgument(error.message));
    }
    throw error;
  }
  await sendAnswer(target, answer, faults);
}
