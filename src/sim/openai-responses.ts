// OpenAI's Responses API on the sim: `POST /v1/responses` (whole or streamed), `GET` and `DELETE
// /v1/responses/{id}`. Stored responses belong to the key that made them; a follow-up names one with
// previous_response_id and continues its conversation.

import type { ActiveFaults } from './faults.js';
import { bearerToken, delay, send, sendTruncated, simImageBytes } from './http-io.js';
import * as errors from './openai-errors.js';
import { openAiHeaders } from './openai-images.js';
import {
  type ResponsesAnswer,
  answerResponses,
  completedResponse,
  failedResponse,
  inProgressResponse,
  newId,
} from './openai-responses-answer.js';
import { type ConversationItem, type ResponsesCall, readResponsesCall } from './openai-responses-input.js';
import { ResponsesEventStream, answerFrames, writeAnswer } from './openai-responses-stream.js';
import { sendFailure, sendOpenAiError } from './openai-send.js';
import { drawFaults, type SimCall, type SimContext } from './sim-context.js';

/** The key a response belongs to (the route has already refused calls without one). */
function ownerOf(call: SimCall): string {
  return bearerToken(call.request) ?? '';
}

/** Reads and checks the call: the tool's model must be listed, a previous response must exist. */
function readCall(context: SimContext, call: SimCall, owner: string) {
  const defaultModel = context.models.openai[0]?.id ?? '';
  const lookup = (callId: string) => context.responses.findImageCall(callId, owner);
  const parsed = readResponsesCall(call.body.json, lookup, defaultModel);
  if ('httpStatus' in parsed) return parsed;
  const imageModel = parsed.imageTool?.model;
  if (imageModel !== undefined && !context.models.findOpenAi(imageModel))
    return errors.modelNotFound(imageModel);
  let history: ConversationItem[] = [];
  if (parsed.previousResponseId !== null) {
    const previous = context.responses.get(parsed.previousResponseId, owner);
    if (!previous) return errors.previousResponseNotFound(parsed.previousResponseId);
    history = previous.conversation;
  }
  return { parsed, history };
}

function keep(
  context: SimContext,
  owner: string,
  parsed: ResponsesCall,
  response: Record<string, unknown>,
  conversation: ConversationItem[],
): void {
  if (parsed.store) context.responses.put(String(response.id), { owner, response, conversation });
}

async function streamResponse(
  context: SimContext,
  call: SimCall,
  read: { parsed: ResponsesCall; history: ConversationItem[] },
  base: Record<string, unknown>,
  answer: () => Promise<ResponsesAnswer>,
  faults: ActiveFaults,
): Promise<void> {
  const owner = ownerOf(call);
  const stream = new ResponsesEventStream(call.response);
  stream.open(openAiHeaders);
  const opening = [
    stream.frame('response.created', { response: base }),
    stream.frame('response.in_progress', { response: base }),
  ];
  await stream.write(opening);
  let answered: ResponsesAnswer;
  try {
    answered = await answer();
  } catch (error) {
    context.log(`upstream-sim: response ${String(base.id)} failed: ${String(error)}`);
    const failed = failedResponse(
      base,
      'The server had an error while processing your request. Sorry about that!',
    );
    keep(context, owner, read.parsed, failed, [...read.history, ...read.parsed.input]);
    await stream.write([stream.frame('response.failed', { response: failed })]);
    stream.end();
    return;
  }
  const completed = completedResponse(base, answered);
  keep(context, owner, read.parsed, completed, answered.conversation);
  const frames = await answerFrames(stream, answered, completed);
  await writeAnswer(stream, frames, faults);
}

export async function createResponse(context: SimContext, call: SimCall): Promise<void> {
  if (call.body.jsonError !== undefined) return sendOpenAiError(call.response, errors.invalidJsonBody());
  const owner = ownerOf(call);
  const read = readCall(context, call, owner);
  if ('httpStatus' in read) return sendOpenAiError(call.response, read);
  const { parsed, history } = read;
  const faults = drawFaults(context, owner);
  await delay(faults.latencyMilliseconds);
  if (sendFailure(call.response, faults, parsed.imageTool?.model ?? parsed.model, parsed.stream)) return;
  const base = inProgressResponse(parsed, newId('resp'), Math.floor(Date.now() / 1000));
  const imageBytes = simImageBytes(call.request) ?? context.imageBytes;
  const answer = () => answerResponses(parsed, history, faults, imageBytes);
  if (parsed.stream) return streamResponse(context, call, read, base, answer, faults);
  const answered = await answer();
  const completed = completedResponse(base, answered);
  keep(context, owner, parsed, completed, answered.conversation);
  const body = JSON.stringify(completed, null, 2);
  if (faults.has('truncated-stream')) sendTruncated(call.response, 'application/json', body, openAiHeaders);
  else send(call.response, 200, 'application/json', body, openAiHeaders);
}

/** The `{id}` of `/v1/responses/{id}`, or undefined for any other path. */
export function responseIdIn(path: string): string | undefined {
  const match = /^\/v1\/responses\/([^/]+)$/.exec(path);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

export async function retrieveResponse(context: SimContext, call: SimCall): Promise<void> {
  const id = responseIdIn(call.url.pathname) ?? '';
  const stored = context.responses.get(id, ownerOf(call));
  if (!stored) return sendOpenAiError(call.response, errors.responseNotFound(id));
  send(call.response, 200, 'application/json', JSON.stringify(stored.response, null, 2), openAiHeaders);
}

export async function deleteResponse(context: SimContext, call: SimCall): Promise<void> {
  const id = responseIdIn(call.url.pathname) ?? '';
  if (!context.responses.delete(id, ownerOf(call))) {
    return sendOpenAiError(call.response, errors.responseNotFound(id));
  }
  const body = JSON.stringify({ id, object: 'response', deleted: true }, null, 2);
  send(call.response, 200, 'application/json', body, openAiHeaders);
}
