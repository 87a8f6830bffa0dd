// Canonical request → the body of `POST /v1beta/interactions`: the whole conversation as steps,
// `store: false` (the gateway keeps the conversation, so any channel can serve the next turn), and
// the generateContent options under their Interactions names. Pure. A canonical field with no
// Interactions equivalent is refused with a 400 naming it: an answer silently different from the one
// asked for (one image instead of four, a dropped setting) is worse than a clear refusal.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { withImageField } from '../../canonical/json-with-images.js';
import type { Content, GenerateContentRequest, Part } from '../../canonical/types.js';

type WireObject = Record<string, unknown>;

/** Fields of a canonical request this provider sends on; anything else is refused by name. */
const readFields = new Set(['contents', 'systemInstruction', 'generationConfig', 'safetySettings', 'tools']);

/** generateContent's generationConfig name → the Interactions generation_config name. */
const generationFields: Record<string, string> = {
  maxOutputTokens: 'max_output_tokens',
  seed: 'seed',
  stopSequences: 'stop_sequences',
  temperature: 'temperature',
  topP: 'top_p',
};

/** Read on their own: output modalities and image options become `response_format`. */
const formatFields = new Set(['responseModalities', 'imageConfig', 'candidateCount']);

function unsupported(param: string, why = 'has no equivalent in the Interactions API'): never {
  throw errorCatalogue.UNSUPPORTED_VALUE(
    `'${param}' ${why}. The channel serving this model calls the Interactions API: remove the field, or ask for a model served over generateContent.`,
    param,
  );
}

/** camelCase keys → snake_case, one level deep (safety settings: category, threshold, method). */
function snakeKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), inner]),
  );
}

/** A part's media kind from its MIME type (Interactions names the block by it). */
function mediaType(mimeType: string | undefined): string {
  const top = (mimeType ?? '').split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'document';
}

function contentBlock(part: Part, param: string): WireObject | undefined {
  if (part.thought === true) return undefined;
  if (part.inlineData) {
    const { mimeType } = part.inlineData;
    // The bytes stay where the client's request was read (json-with-images.ts writes them from there).
    return withImageField({ type: mediaType(mimeType), mime_type: mimeType }, 'data', '', part.inlineData);
  }
  if (part.fileData) {
    const { mimeType, fileUri } = part.fileData;
    return { type: mediaType(mimeType), uri: fileUri, ...(mimeType ? { mime_type: mimeType } : {}) };
  }
  if (typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.thoughtSignature !== undefined) return undefined;
  const kind = Object.keys(part).find((key) => key !== 'thoughtSignature') ?? 'part';
  return unsupported(`${param}.${kind}`);
}

/** One canonical turn → its steps: a model turn's thought signatures ride in `thought` steps before it. */
function turnSteps(content: Content, index: number): WireObject[] {
  const role = content.role ?? 'user';
  if (role !== 'user' && role !== 'model')
    return unsupported(`contents[${index}].role`, `("${role}") is not user or model`);
  const parts = content.parts ?? [];
  const blocks: WireObject[] = [];
  const signatures: string[] = [];
  parts.forEach((part, partIndex) => {
    const block = contentBlock(part, `contents[${index}].parts[${partIndex}]`);
    if (block) blocks.push(block);
    if (
      role === 'model' &&
      typeof part.thoughtSignature === 'string' &&
      !signatures.includes(part.thoughtSignature)
    )
      signatures.push(part.thoughtSignature);
  });
  const steps: WireObject[] = signatures.map((signature) => ({ type: 'thought', signature }));
  if (blocks.length > 0)
    steps.push({ type: role === 'model' ? 'model_output' : 'user_input', content: blocks });
  return steps;
}

function systemText(instruction: Content | undefined): string | undefined {
  if (instruction === undefined) return undefined;
  const texts = (instruction.parts ?? []).map((part, index) => {
    if (typeof part.text !== 'string') return unsupported(`systemInstruction.parts[${index}]`, 'is not text');
    return part.text;
  });
  return texts.length > 0 ? texts.join('\n') : undefined;
}

function imageFormat(imageConfig: WireObject | undefined): WireObject {
  const format: WireObject = { type: 'image' };
  for (const [key, value] of Object.entries(imageConfig ?? {})) {
    if (key === 'aspectRatio') format.aspect_ratio = value;
    else if (key === 'imageSize') format.image_size = value;
    else unsupported(`generationConfig.imageConfig.${key}`);
  }
  return format;
}

/** responseModalities + imageConfig → `response_format` entries (lowercase types). */
function responseFormat(config: WireObject): WireObject[] | undefined {
  const imageConfig = config.imageConfig as WireObject | undefined;
  const modalities = config.responseModalities as string[] | undefined;
  if (modalities === undefined) {
    // Without modalities an image model answers text and image: the same, with the image options.
    return imageConfig === undefined ? undefined : [{ type: 'text' }, imageFormat(imageConfig)];
  }
  return modalities.map((modality) => {
    const type = String(modality).toLowerCase();
    return type === 'image' ? imageFormat(imageConfig) : { type };
  });
}

function thinkingConfig(value: unknown, into: WireObject): void {
  for (const [key, inner] of Object.entries((value ?? {}) as WireObject)) {
    if (key === 'thinkingLevel') into.thinking_level = String(inner).toLowerCase();
    else if (key === 'includeThoughts') into.thinking_summaries = inner === true ? 'auto' : 'none';
    else unsupported(`generationConfig.thinkingConfig.${key}`);
  }
}

function generationConfig(config: WireObject): WireObject {
  const wire: WireObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || formatFields.has(key)) continue;
    const name = generationFields[key];
    if (name !== undefined) wire[name] = value;
    else if (key === 'thinkingConfig') thinkingConfig(value, wire);
    else unsupported(`generationConfig.${key}`);
  }
  return wire;
}

function tool(value: unknown, index: number): WireObject {
  const keys = Object.keys((value ?? {}) as WireObject);
  if (keys.length === 1 && keys[0] === 'googleSearch') return { type: 'google_search' };
  return unsupported(
    `tools[${index}].${keys[0] ?? 'type'}`,
    'is not a tool this gateway sends over the Interactions API',
  );
}

export interface InteractionRequestOptions {
  /** The model id the upstream knows (no `models/` prefix: the Interactions API takes none). */
  model: string;
  stream?: boolean;
}

export function convertRequestToInteraction(
  request: GenerateContentRequest,
  options: InteractionRequestOptions,
): WireObject {
  for (const key of Object.keys(request)) if (!readFields.has(key)) unsupported(key);
  const config = (request.generationConfig ?? {}) as WireObject;
  const candidates = config.candidateCount;
  if (candidates !== undefined && candidates !== 1) {
    unsupported('generationConfig.candidateCount', 'above 1 has no equivalent: an interaction answers once');
  }
  const body: WireObject = {
    model: options.model.replace(/^models\//, ''),
    input: request.contents.flatMap(turnSteps),
  };
  const system = systemText(request.systemInstruction);
  if (system !== undefined) body.system_instruction = system;
  const generation = generationConfig(config);
  if (Object.keys(generation).length > 0) body.generation_config = generation;
  const format = responseFormat(config);
  if (format !== undefined) body.response_format = format;
  if (request.safetySettings !== undefined) body.safety_settings = request.safetySettings.map(snakeKeys);
  if (Array.isArray(request.tools) && request.tools.length > 0) body.tools = request.tools.map(tool);
  body.store = false;
  if (options.stream) body.stream = true;
  return body;
}
