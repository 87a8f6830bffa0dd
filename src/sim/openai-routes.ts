// The OpenAI-compatible routes (Images generations/edits, Responses, OpenRouter-style chat, model list
// and retrieve): bearer auth, the model check, faults, then the engine-backed answer in OpenAI's envelopes.

import { bearerToken, delay, send, simImageBytes } from './http-io.js';
import { answerChat, readChatCall, sendChat } from './openai-chat.js';
import * as errors from './openai-errors.js';
import { readImageParams } from './openai-image-params.js';
import { answerImages, sendImagesJson, sendImagesStream } from './openai-images.js';
import { openAiModelList, openAiModelObject } from './openai-list-models.js';
import { createResponse, deleteResponse, responseIdIn, retrieveResponse } from './openai-responses.js';
import { sendFailure, sendOpenAiError } from './openai-send.js';
import type { ParsedBody } from './parsed-body.js';
import { isRecord } from './normalize-request.js';
import { drawFaults, type SimCall, type SimContext } from './sim-context.js';

export { sendOpenAiError } from './openai-send.js';

function authError(context: SimContext, call: SimCall): errors.OpenAiError | undefined {
  const token = bearerToken(call.request);
  if (!token) return errors.missingApiKey();
  if (context.apiKey !== undefined && token !== context.apiKey) return errors.incorrectApiKey(token);
  return undefined;
}

/** The `model` an Images call names (JSON or multipart); the first listed id when it names none. */
function imagesModel(context: SimContext, body: ParsedBody): string | undefined {
  const field = body.fields?.model ?? (isRecord(body.json) ? body.json.model : undefined);
  const named = Array.isArray(field) ? field[0] : field;
  if (named !== undefined && named !== null) return String(named);
  return context.models.openai[0]?.id;
}

function sendJson(call: SimCall, value: unknown): void {
  send(call.response, 200, 'application/json', JSON.stringify(value, null, 2));
}

async function serveImages(context: SimContext, call: SimCall, edit: boolean): Promise<void> {
  if (call.body.jsonError !== undefined) return sendOpenAiError(call.response, errors.invalidJsonBody());
  const model = imagesModel(context, call.body);
  if (model === undefined) return sendOpenAiError(call.response, errors.missingParameter('model'));
  if (!context.models.findOpenAi(model)) return sendOpenAiError(call.response, errors.modelNotFound(model));
  const params = readImageParams(call.body, edit, model);
  if ('httpStatus' in params) return sendOpenAiError(call.response, params);
  const faults = drawFaults(context, bearerToken(call.request));
  await delay(faults.latencyMilliseconds);
  if (sendFailure(call.response, faults, params.model, params.stream)) return;
  const answer = await answerImages(params, faults, simImageBytes(call.request) ?? context.imageBytes);
  if ('httpStatus' in answer) return sendOpenAiError(call.response, answer);
  if (params.stream) {
    const prefix = edit ? 'image_edit' : 'image_generation';
    return sendImagesStream(call.response, answer, params, faults, context.hostedFiles, prefix);
  }
  sendImagesJson(call.response, answer, params, faults, context.hostedFiles);
}

async function serveChat(context: SimContext, call: SimCall): Promise<void> {
  if (call.body.jsonError !== undefined) return sendOpenAiError(call.response, errors.invalidJsonBody());
  const chat = readChatCall(call.body.json, context.models);
  if ('httpStatus' in chat) return sendOpenAiError(call.response, chat);
  const faults = drawFaults(context, bearerToken(call.request));
  await delay(faults.latencyMilliseconds);
  if (sendFailure(call.response, faults, chat.modelName, chat.stream)) return;
  const answer = await answerChat(chat, faults, context.hostedFiles);
  await sendChat(call.response, chat, answer, faults);
}

const routes: Record<string, (context: SimContext, call: SimCall) => Promise<void>> = {
  'POST /v1/images/generations': (context, call) => serveImages(context, call, false),
  'POST /v1/images/edits': (context, call) => serveImages(context, call, true),
  'POST /v1/chat/completions': serveChat,
  'POST /v1/responses': createResponse,
  'GET /v1/models': async (context, call) => sendJson(call, openAiModelList(context.models)),
};

const retrievePrefix = '/v1/models/';

async function retrieveModel(context: SimContext, call: SimCall): Promise<void> {
  const raw = call.url.pathname.slice(retrievePrefix.length);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // A malformed escape names no listed model; answer the 404 with the id as sent.
  }
  const model = openAiModelObject(context.models, id);
  if (model) sendJson(call, model);
  else sendOpenAiError(call.response, errors.modelNotFound(id));
}

function findRoute(method: string | undefined, path: string) {
  const exact = routes[`${method} ${path}`];
  if (exact) return exact;
  // Gemini's `/v1/models/{id}:generateContent` compatibility path is not OpenAI's retrieve.
  if (method === 'GET' && path.startsWith(retrievePrefix) && !path.includes(':')) return retrieveModel;
  if (responseIdIn(path) !== undefined) {
    if (method === 'GET') return retrieveResponse;
    if (method === 'DELETE') return deleteResponse;
  }
  return undefined;
}

/** Handles the call when it is an OpenAI route; returns false to let other routes try. */
export async function handleOpenAiRoute(context: SimContext, call: SimCall): Promise<boolean> {
  const route = findRoute(call.request.method, call.url.pathname);
  if (!route) return false;
  const denied = authError(context, call);
  if (denied) sendOpenAiError(call.response, denied);
  else await route(context, call);
  return true;
}
