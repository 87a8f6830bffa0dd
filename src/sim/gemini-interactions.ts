// Google's Interactions API on the sim: `POST /v1beta/interactions` (whole or `stream: true`), `GET`
// (also `?stream=true`) and `DELETE /v1beta/interactions/{id}`. Stored interactions belong to the key
// that made them; a follow-up names one with previous_interaction_id and continues its conversation.

import { GatewayError } from '../canonical/errors.js';
import type { Content } from '../canonical/types.js';
import { noFaults } from './faults.js';
import * as errors from './gemini-errors.js';
import { type InteractionAnswer, answerInteraction, generateRequest } from './gemini-interactions-answer.js';
import { type InteractionCall, modelOf, readInteractionCall } from './gemini-interactions-input.js';
import { interactionEvents, openStream, writeEvents } from './gemini-interactions-stream.js';
import { type SendTarget, googleHeaders, sendBrokenAnswer, sendGoogleError } from './gemini-send.js';
import { invalidJsonPayload, validateGenerateRequest } from './gemini-validate.js';
import {
  delay,
  googleCredential,
  googleJsonType,
  resetConnection,
  send,
  sendTruncated,
  simImageBytes,
} from './http-io.js';
import type { SimModel } from './model-families.js';
import { drawFaults, type SimCall, type SimContext } from './sim-context.js';
import { prettyJson } from './wire-format.js';

const collectionPattern = /^\/v1(?:beta)?\/interactions$/;
const itemPattern = /^\/v1(?:beta)?\/interactions\/([^/:]+)$/;
const payloadLimitBytes = 20 * 1024 * 1024;

type Handler = (context: SimContext, call: SimCall) => Promise<void>;

/** Errors go out as JSON even on a streamed call: the SDK parses an error body only as JSON. */
function jsonTarget(call: SimCall, stream = false): SendTarget {
  return { response: call.response, mode: stream ? 'sse' : 'json', modelVersion: '', vertex: false };
}

function sendError(call: SimCall, error: errors.GoogleError): void {
  sendGoogleError(jsonTarget(call), error);
}

function sendJson(call: SimCall, value: unknown): void {
  send(call.response, 200, googleJsonType, prettyJson(value), googleHeaders);
}

/** The key an interaction belongs to (the route has already refused calls without one). */
function ownerOf(call: SimCall): string {
  return googleCredential(call.request, call.url.searchParams) ?? '';
}

interface ReadCall {
  call: InteractionCall;
  history: Content[];
  model: SimModel;
}

/** Reads and checks the body: the model must be listed, a previous interaction must exist. */
function readCall(context: SimContext, call: SimCall): ReadCall | errors.GoogleError {
  if (call.body.raw.length > payloadLimitBytes) return errors.payloadTooLarge(payloadLimitBytes);
  if (call.body.jsonError !== undefined || call.body.json === undefined) {
    return invalidJsonPayload(call.body.raw.toString('utf8'), call.body.jsonError);
  }
  const modelName = modelOf(call.body.json);
  if (typeof modelName !== 'string') return modelName;
  // A gone or never-listed id answers 404 before the rest of the body is read, as on generateContent.
  const model = context.models.findGemini(modelName);
  if (!model) return errors.modelNotFound(modelName, 'createInteraction');
  const parsed = readInteractionCall(call.body.json as Record<string, unknown>, modelName);
  if ('httpStatus' in parsed) return parsed;
  let history: Content[] = [];
  if (parsed.previousInteractionId !== undefined) {
    const previous = context.interactions.get(parsed.previousInteractionId, ownerOf(call));
    if (!previous) return errors.previousInteractionNotFound(parsed.previousInteractionId);
    history = previous.conversation;
  }
  const invalid = validateGenerateRequest(model, generateRequest(parsed, history));
  if (invalid) return invalid;
  return { call: parsed, history, model };
}

async function createInteraction(context: SimContext, call: SimCall): Promise<void> {
  const read = readCall(context, call);
  if ('httpStatus' in read) return sendError(call, read);
  const owner = ownerOf(call);
  const faults = drawFaults(context, owner);
  await delay(faults.latencyMilliseconds);
  if (faults.has('reset')) return resetConnection(call.response);
  if (faults.has('503')) return sendError(call, errors.overloaded());
  if (faults.has('500')) return sendError(call, errors.internalError());
  if (faults.has('429')) return sendError(call, errors.quotaExhausted(read.call.model));
  if (sendBrokenAnswer(jsonTarget(call, read.call.stream), faults)) return;
  let answer: InteractionAnswer;
  try {
    answer = await answerInteraction({
      ...read,
      faults,
      hostedFiles: context.hostedFiles,
      imageBytes: simImageBytes(call.request) ?? context.imageBytes,
    });
  } catch (error) {
    // The engine rejects requests it cannot read (bad image data, no user turn) as 4xx.
    if (error instanceof GatewayError && error.httpStatus < 500) {
      return sendError(call, errors.invalidArgument(error.message));
    }
    throw error;
  }
  const { interaction } = answer;
  if (read.call.store) {
    context.interactions.put(String(interaction.id), {
      owner,
      interaction,
      inputSteps: read.call.inputSteps,
      input: read.call.input,
      conversation: answer.conversation,
    });
  }
  if (read.call.stream) {
    openStream(call.response);
    return writeEvents(call.response, interactionEvents(interaction), faults);
  }
  if (faults.has('truncated-stream')) {
    return sendTruncated(call.response, googleJsonType, prettyJson(interaction), googleHeaders);
  }
  sendJson(call, interaction);
}

function idIn(path: string): string {
  const raw = itemPattern.exec(path)?.[1] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** GET: the whole timeline (input steps, then output); `?stream=true` replays the events. */
async function retrieveInteraction(context: SimContext, call: SimCall): Promise<void> {
  const id = idIn(call.url.pathname);
  const stored = context.interactions.get(id, ownerOf(call));
  if (!stored) return sendError(call, errors.interactionNotFound(id));
  const query = call.url.searchParams;
  if (query.get('stream') === 'true') {
    const events = interactionEvents(stored.interaction);
    const after = query.get('last_event_id');
    const resumeAt = after === null ? 0 : events.findIndex((event) => event.event_id === after) + 1;
    openStream(call.response);
    return writeEvents(call.response, events.slice(resumeAt), noFaults);
  }
  const steps = Array.isArray(stored.interaction.steps) ? stored.interaction.steps : [];
  const whole: Record<string, unknown> = { ...stored.interaction, steps: [...stored.inputSteps, ...steps] };
  if (query.get('include_input') === 'true' && stored.input !== undefined) whole.input = stored.input;
  sendJson(call, whole);
}

async function deleteInteraction(context: SimContext, call: SimCall): Promise<void> {
  const id = idIn(call.url.pathname);
  if (!context.interactions.delete(id, ownerOf(call))) return sendError(call, errors.interactionNotFound(id));
  sendJson(call, {});
}

/** The handler of an Interactions path and method; undefined for any other call. */
export function interactionsRoute(method: string, path: string): Handler | undefined {
  if (method === 'POST' && collectionPattern.test(path)) return createInteraction;
  if (!itemPattern.test(path)) return undefined;
  if (method === 'GET') return retrieveInteraction;
  if (method === 'DELETE') return deleteInteraction;
  return undefined;
}
