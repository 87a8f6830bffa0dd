// Reads a `POST /v1beta/interactions` body (`@google/genai` 2.x CreateModelInteraction): every input
// form (a string, one content block, content blocks, steps, the older role/content turns) becomes
// Gemini turns the engine can read; a bad value answers Google's 400 naming the field.

import type { Content, Part } from '../canonical/types.js';
import { type GoogleError, invalidArgument } from './gemini-errors.js';
import { isRecord } from './normalize-request.js';

type WireObject = Record<string, unknown>;

export interface InteractionCall {
  model: string;
  /** This request's turns as Gemini contents (role `user` or `model`), in order. */
  turns: Content[];
  /** This request's input as the steps a GET shows before the output. */
  inputSteps: WireObject[];
  /** `input` exactly as sent (a GET with `include_input=true` returns it). */
  input: unknown;
  previousInteractionId?: string;
  store: boolean;
  stream: boolean;
  aspectRatio?: string;
  imageSize?: string;
  /** Lowercase output modalities the call asked for; undefined when it named none. */
  modalities?: string[];
  systemInstruction?: string;
  /** The request fields the Interaction echoes back, as sent. */
  echo: WireObject;
}

const echoedFields = [
  'model',
  'previous_interaction_id',
  'system_instruction',
  'generation_config',
  'response_format',
  'response_modalities',
  'labels',
  'service_tier',
] as const;

const stepTypes = new Set(['user_input', 'model_output', 'thought']);
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function fieldError(field: string, message: string): GoogleError {
  return invalidArgument(message, [{ field, description: message }]);
}

function isError(value: unknown): value is GoogleError {
  return isRecord(value) && 'httpStatus' in value;
}

/** One content block as a Gemini part: text, or an image sent inline. */
function blockPart(block: unknown, path: string): Part | GoogleError {
  if (!isRecord(block)) return fieldError(path, `${path} must be a content object with a "type".`);
  if (block.type === 'text') {
    if (typeof block.text !== 'string') return fieldError(`${path}.text`, `${path}.text must be a string.`);
    return { text: block.text };
  }
  if (block.type !== 'image') {
    return fieldError(
      `${path}.type`,
      `${path}.type "${String(block.type)}" is not read by image models here; send "text" or "image" content.`,
    );
  }
  if (typeof block.data !== 'string') {
    const reason =
      typeof block.uri === 'string' ? 'the simulator cannot fetch uri images' : 'data is missing';
    return fieldError(
      `${path}.data`,
      `${path}.data: ${reason}; send the image bytes base64-encoded in data.`,
    );
  }
  if (!base64Pattern.test(block.data.replace(/\s+/g, ''))) {
    return fieldError(`${path}.data`, `${path}.data is not valid base64.`);
  }
  const mimeType = typeof block.mime_type === 'string' ? block.mime_type : 'image/png';
  return { inlineData: { mimeType, data: block.data } };
}

function blocksTurn(blocks: unknown, role: 'user' | 'model', path: string): Content | GoogleError {
  const list = typeof blocks === 'string' ? [{ type: 'text', text: blocks }] : blocks;
  if (!Array.isArray(list)) return fieldError(path, `${path} must be a list of content objects.`);
  const parts: Part[] = [];
  for (const [index, block] of list.entries()) {
    const part = blockPart(block, `${path}[${index}]`);
    if (isError(part)) return part;
    parts.push(part);
  }
  return { role, parts };
}

interface ReadInput {
  turns: Content[];
  steps: WireObject[];
}

function readSteps(steps: unknown[]): ReadInput | GoogleError {
  const turns: Content[] = [];
  for (const [index, step] of steps.entries()) {
    const path = `input[${index}]`;
    const type = isRecord(step) ? step.type : undefined;
    if (!isRecord(step) || typeof type !== 'string' || !stepTypes.has(type)) {
      return fieldError(
        `${path}.type`,
        `${path}.type "${String(type)}" is not read here; send user_input, model_output or thought steps.`,
      );
    }
    // A thought step carries only the model's signature; the engine has nothing to read in it.
    if (type === 'thought') continue;
    const turn = blocksTurn(step.content ?? [], type === 'user_input' ? 'user' : 'model', `${path}.content`);
    if (isError(turn)) return turn;
    turns.push(turn);
  }
  return { turns, steps: steps as WireObject[] };
}

/** The role/content turns of the schema before May 2026, still sent by older clients. */
function readLegacyTurns(turns: unknown[]): ReadInput | GoogleError {
  const read: ReadInput = { turns: [], steps: [] };
  for (const [index, turn] of turns.entries()) {
    const path = `input[${index}]`;
    const role = isRecord(turn) ? turn.role : undefined;
    if (!isRecord(turn) || (role !== 'user' && role !== 'model')) {
      return fieldError(`${path}.role`, `${path}.role must be "user" or "model".`);
    }
    const content = blocksTurn(turn.content ?? [], role, `${path}.content`);
    if (isError(content)) return content;
    read.turns.push(content);
    const blocks = typeof turn.content === 'string' ? [{ type: 'text', text: turn.content }] : turn.content;
    read.steps.push({ type: role === 'user' ? 'user_input' : 'model_output', content: blocks });
  }
  return read;
}

/** `input`: a string, one content block, a list of blocks (one user turn), steps, or legacy turns. */
function readInput(input: unknown): ReadInput | GoogleError {
  if (typeof input === 'string' || isRecord(input)) {
    const blocks = typeof input === 'string' ? [{ type: 'text', text: input }] : [input];
    const turn = blocksTurn(blocks, 'user', typeof input === 'string' ? 'input' : 'input[0]');
    if (isError(turn)) return turn;
    return { turns: [turn], steps: [{ type: 'user_input', content: blocks }] };
  }
  if (!Array.isArray(input) || input.length === 0) {
    return fieldError('input', 'input must be a string, a content object or a non-empty list.');
  }
  const first = input[0];
  if (isRecord(first) && 'role' in first) return readLegacyTurns(input);
  if (isRecord(first) && typeof first.type === 'string' && stepTypes.has(first.type)) return readSteps(input);
  const turn = blocksTurn(input, 'user', 'input');
  if (isError(turn)) return turn;
  return { turns: [turn], steps: [{ type: 'user_input', content: input }] };
}

interface OutputChoice {
  aspectRatio?: string;
  imageSize?: string;
  modalities?: string[];
}

/** Image options from `response_format` (the current field) over `generation_config.image_config`. */
function readOutput(json: WireObject): OutputChoice | GoogleError {
  const config = json.generation_config;
  if (config !== undefined && !isRecord(config)) {
    return fieldError('generation_config', 'generation_config must be an object.');
  }
  const imageConfig = config?.image_config;
  if (imageConfig !== undefined && !isRecord(imageConfig)) {
    return fieldError('generation_config.image_config', 'generation_config.image_config must be an object.');
  }
  const choice: OutputChoice = {
    aspectRatio: imageConfig?.aspect_ratio as string | undefined,
    imageSize: imageConfig?.image_size as string | undefined,
  };
  const format = json.response_format;
  if (format !== undefined) {
    const formats = Array.isArray(format) ? format : [format];
    if (!formats.every((entry) => isRecord(entry) && typeof entry.type === 'string')) {
      return fieldError('response_format', 'response_format entries need a "type" (text, image, …).');
    }
    choice.modalities = formats.map((entry) => String((entry as WireObject).type).toLowerCase());
    const image = formats.find((entry) => (entry as WireObject).type === 'image') as WireObject | undefined;
    if (image?.aspect_ratio !== undefined) choice.aspectRatio = image.aspect_ratio as string;
    if (image?.image_size !== undefined) choice.imageSize = image.image_size as string;
  } else if (json.response_modalities !== undefined) {
    if (!Array.isArray(json.response_modalities)) {
      return fieldError('response_modalities', 'response_modalities must be a list.');
    }
    choice.modalities = json.response_modalities.map((modality) => String(modality).toLowerCase());
  }
  if (choice.modalities && !choice.modalities.includes('image')) {
    const field = format !== undefined ? 'response_format' : 'response_modalities';
    return fieldError(field, `${field} must include image: this model always answers with an image.`);
  }
  return choice;
}

function optionalType(json: WireObject, field: string, type: 'string' | 'boolean'): GoogleError | undefined {
  const value = json[field];
  if (value === undefined || typeof value === type) return undefined;
  return fieldError(field, `${field} must be a ${type}.`);
}

/** The `model` field alone: the route checks it is listed before reading anything else. */
export function modelOf(json: unknown): string | GoogleError {
  if (!isRecord(json)) return invalidArgument('Invalid JSON payload received. Expected an object.');
  if (typeof json.model !== 'string' || json.model === '') {
    return fieldError(
      'model',
      'model is required: name the model that answers, e.g. gemini-3.1-flash-image.',
    );
  }
  return json.model.startsWith('models/') ? json.model.slice('models/'.length) : json.model;
}

export function readInteractionCall(json: WireObject, model: string): InteractionCall | GoogleError {
  for (const [field, type] of [
    ['previous_interaction_id', 'string'],
    ['system_instruction', 'string'],
    ['store', 'boolean'],
    ['stream', 'boolean'],
  ] as const) {
    const wrong = optionalType(json, field, type);
    if (wrong) return wrong;
  }
  const previousInteractionId = json.previous_interaction_id as string | undefined;
  if (json.input === undefined && previousInteractionId === undefined) {
    return fieldError('input', 'input is required unless previous_interaction_id names the conversation.');
  }
  const read = json.input === undefined ? { turns: [], steps: [] } : readInput(json.input);
  if (isError(read)) return read;
  const output = readOutput(json);
  if (isError(output)) return output;
  const echo: WireObject = {};
  for (const field of echoedFields) if (json[field] !== undefined) echo[field] = json[field];
  return {
    model,
    turns: read.turns,
    inputSteps: read.steps,
    input: json.input,
    previousInteractionId,
    store: json.store !== false,
    stream: json.stream === true,
    ...output,
    systemInstruction: json.system_instruction as string | undefined,
    echo: { ...echo, model },
  };
}
