// Reads a `POST /v1/responses` body: the input items become a conversation the engine can use (texts
// and images per turn), the image_generation tool its options; bad values answer OpenAI's 400.

import type { EngineImage } from '../engine/types.js';
import { gptImageSizeRatios } from './model-families.js';
import { isRecord } from './normalize-request.js';
import { type OpenAiError, invalidValue, missingParameter } from './openai-errors.js';

/** One turn the engine can read: a message's texts and images, or an image an earlier call made. */
export type ConversationItem =
  | { kind: 'message'; role: string; texts: string[]; images: EngineImage[] }
  | { kind: 'image'; callId: string; image: EngineImage };

export interface ImageToolOptions {
  model: string;
  size: string;
  quality: string;
  outputFormat: 'png' | 'jpeg' | 'webp';
  /** 0–100; applies to jpeg and webp. */
  outputCompression: number;
  background: string;
  partialImages: number;
  action: 'generate' | 'edit' | 'auto';
}

export interface ResponsesCall {
  model: string;
  /** This request's input, in order. */
  input: ConversationItem[];
  instructions: string | null;
  /** The tools as the response echoes them (the image tool with its defaults filled in). */
  tools: Record<string, unknown>[];
  imageTool?: ImageToolOptions;
  toolChoice: unknown;
  store: boolean;
  previousResponseId: string | null;
  metadata: Record<string, unknown>;
  stream: boolean;
  parallelToolCalls: boolean;
}

/** Finds the image an earlier image_generation_call made, for input items that name only its id. */
export type ImageCallLookup = (callId: string) => EngineImage | undefined;

// Every tool type the API knows (openai 6.x `Tool`); the sim runs only image_generation.
const knownToolTypes = new Set([
  'function',
  'file_search',
  'computer',
  'computer_use_preview',
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'mcp',
  'code_interpreter',
  'programmatic_tool_calling',
  'image_generation',
  'local_shell',
  'shell',
  'custom',
  'namespace',
  'tool_search',
  'apply_patch',
]);

const mimeTypeBySignature: [number[], string][] = [
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x52, 0x49, 0x46, 0x46], 'image/webp'],
];

/** The type of base64 image bytes that arrive without one (an earlier call's `result`). */
function imageFromBase64(base64: string): EngineImage {
  const data = Buffer.from(base64, 'base64');
  const match = mimeTypeBySignature.find(([signature]) =>
    signature.every((byte, index) => data[index] === byte),
  );
  return { mimeType: match ? match[1] : 'image/png', data };
}

function dataUrlImage(url: string): EngineImage | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1], data: Buffer.from(match[2], 'base64') } : undefined;
}

function contentItem(content: unknown, role: string, path: string): ConversationItem | OpenAiError {
  const item: ConversationItem = { kind: 'message', role, texts: [], images: [] };
  if (typeof content === 'string') {
    item.texts.push(content);
    return item;
  }
  if (!Array.isArray(content)) return missingParameter(`${path}.content`);
  for (const [index, part] of content.entries()) {
    const partPath = `${path}.content[${index}]`;
    const type = isRecord(part) ? part.type : undefined;
    if (!isRecord(part)) return invalidValue(partPath, `Invalid type for '${partPath}': expected an object.`);
    if ((type === 'input_text' || type === 'output_text') && typeof part.text === 'string') {
      item.texts.push(part.text);
    } else if (type === 'input_image') {
      const image = typeof part.image_url === 'string' ? dataUrlImage(part.image_url) : undefined;
      if (!image) {
        return invalidValue(
          `${partPath}.image_url`,
          `Invalid value for '${partPath}.image_url': the simulator accepts only data URLs (data:image/png;base64,...).`,
        );
      }
      item.images.push(image);
    } else if (type !== 'refusal') {
      return invalidValue(
        `${partPath}.type`,
        `Invalid value: '${String(type)}'. Supported values are: 'input_text', 'input_image', 'output_text' and 'refusal'.`,
      );
    }
  }
  return item;
}

function inputItem(raw: unknown, index: number, lookup: ImageCallLookup): ConversationItem | OpenAiError {
  const path = `input[${index}]`;
  if (!isRecord(raw)) return invalidValue(path, `Invalid type for '${path}': expected an object.`);
  if (raw.type === 'image_generation_call') {
    const callId = typeof raw.id === 'string' ? raw.id : '';
    const image = typeof raw.result === 'string' ? imageFromBase64(raw.result) : lookup(callId);
    if (!image) return invalidValue(`${path}.id`, `Image generation call with id '${callId}' not found.`);
    return { kind: 'image', callId, image };
  }
  if (raw.type !== undefined && raw.type !== 'message') {
    return invalidValue(
      `${path}.type`,
      `Invalid value: '${String(raw.type)}'. The simulator reads 'message' and 'image_generation_call' items.`,
    );
  }
  const role = raw.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
    return invalidValue(
      `${path}.role`,
      `Invalid value: '${String(role)}'. Supported values are: 'user', 'assistant', 'system' and 'developer'.`,
    );
  }
  return contentItem(raw.content, role, path);
}

function readInput(input: unknown, lookup: ImageCallLookup): ConversationItem[] | OpenAiError {
  if (typeof input === 'string') return [{ kind: 'message', role: 'user', texts: [input], images: [] }];
  if (!Array.isArray(input))
    return invalidValue('input', "Invalid type for 'input': expected a string or an array.");
  const items: ConversationItem[] = [];
  for (const [index, raw] of input.entries()) {
    const item = inputItem(raw, index, lookup);
    if ('httpStatus' in item) return item;
    items.push(item);
  }
  return items;
}

function choice<T extends string>(
  tool: Record<string, unknown>,
  name: string,
  path: string,
  allowed: readonly T[],
  fallback: T,
) {
  const value = tool[name] ?? fallback;
  const match = allowed.find((option) => option === value);
  if (match) return match;
  const listed = allowed.map((option) => `'${option}'`).join(', ');
  return invalidValue(
    `${path}.${name}`,
    `Invalid value: '${String(value)}'. Supported values are: ${listed}.`,
  );
}

function integer(
  tool: Record<string, unknown>,
  name: string,
  path: string,
  minimum: number,
  maximum: number,
  fallback: number,
) {
  const value = tool[name] ?? fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum)
    return value;
  return invalidValue(
    `${path}.${name}`,
    `Invalid '${path}.${name}': expected an integer from ${minimum} to ${maximum}, but got ${JSON.stringify(value)} instead.`,
  );
}

function isError(value: unknown): value is OpenAiError {
  return isRecord(value) && 'httpStatus' in value;
}

/** The image_generation tool's options, checked like the Images API checks its parameters. */
function readImageTool(tool: Record<string, unknown>, path: string, defaultModel: string) {
  const model = typeof tool.model === 'string' ? tool.model : defaultModel;
  const size = choice(tool, 'size', path, [...Object.keys(gptImageSizeRatios), 'auto'], 'auto');
  const quality = choice(tool, 'quality', path, ['low', 'medium', 'high', 'auto'], 'auto');
  const outputFormat = choice(tool, 'output_format', path, ['png', 'jpeg', 'webp'] as const, 'png');
  const background = choice(tool, 'background', path, ['transparent', 'opaque', 'auto'], 'auto');
  const action = choice(tool, 'action', path, ['generate', 'edit', 'auto'] as const, 'auto');
  const moderation = choice(tool, 'moderation', path, ['auto', 'low'], 'auto');
  const partialImages = integer(tool, 'partial_images', path, 0, 3, 0);
  const outputCompression = integer(tool, 'output_compression', path, 0, 100, 100);
  const mask = tool.input_image_mask;
  if (
    mask !== undefined &&
    !(isRecord(mask) && (mask.image_url === undefined || typeof mask.image_url === 'string'))
  ) {
    return invalidValue(
      `${path}.input_image_mask`,
      `Invalid type for '${path}.input_image_mask': expected an object.`,
    );
  }
  for (const value of [
    size,
    quality,
    outputFormat,
    background,
    action,
    moderation,
    partialImages,
    outputCompression,
  ]) {
    if (isError(value)) return value;
  }
  if (background === 'transparent' && outputFormat === 'jpeg') {
    return invalidValue(
      `${path}.background`,
      "Invalid value: 'transparent'. The 'jpeg' output format does not support transparent backgrounds; use 'png' or 'webp'.",
    );
  }
  const options: ImageToolOptions = {
    model,
    size: size as string,
    quality: quality as string,
    outputFormat: outputFormat as ImageToolOptions['outputFormat'],
    outputCompression: outputCompression as number,
    background: background as string,
    partialImages: partialImages as number,
    action: action as ImageToolOptions['action'],
  };
  const echo = {
    type: 'image_generation',
    background,
    model,
    moderation,
    output_compression: outputCompression,
    output_format: outputFormat,
    partial_images: partialImages,
    quality,
    size,
    ...tool,
  };
  return { options, echo };
}

function readTools(json: Record<string, unknown>, defaultModel: string) {
  const tools: Record<string, unknown>[] = [];
  let imageTool: ImageToolOptions | undefined;
  if (json.tools === undefined || json.tools === null) return { tools, imageTool };
  if (!Array.isArray(json.tools))
    return invalidValue('tools', "Invalid type for 'tools': expected an array.");
  for (const [index, tool] of json.tools.entries()) {
    const path = `tools[${index}]`;
    if (!isRecord(tool) || typeof tool.type !== 'string' || !knownToolTypes.has(tool.type)) {
      const type = isRecord(tool) ? String(tool.type) : String(tool);
      return invalidValue(
        `${path}.type`,
        `Invalid value: '${type}'. Supported values are: ${[...knownToolTypes].map((name) => `'${name}'`).join(', ')}.`,
      );
    }
    if (tool.type !== 'image_generation') {
      tools.push(tool);
      continue;
    }
    const read = readImageTool(tool, path, defaultModel);
    if (isError(read)) return read;
    imageTool ??= read.options;
    tools.push(read.echo);
  }
  return { tools, imageTool };
}

function readToolChoice(value: unknown, tools: Record<string, unknown>[]): unknown {
  const choiceValue = value ?? 'auto';
  if (choiceValue === 'auto' || choiceValue === 'none' || choiceValue === 'required') return choiceValue;
  if (!isRecord(choiceValue) || typeof choiceValue.type !== 'string') {
    return invalidValue(
      'tool_choice',
      "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or an object.",
    );
  }
  const named = choiceValue.type;
  if (named !== 'allowed_tools' && named !== 'function' && !tools.some((tool) => tool.type === named)) {
    return invalidValue('tool_choice', `Tool choice '${named}' not found in 'tools' parameter.`);
  }
  return choiceValue;
}

/**
 * Reads the body; `input` may be left out when `previous_response_id` supplies the conversation.
 * `defaultImageModel` is what the image tool uses when it names none.
 */
export function readResponsesCall(
  json: unknown,
  lookup: ImageCallLookup,
  defaultImageModel: string,
): ResponsesCall | OpenAiError {
  if (!isRecord(json)) return missingParameter('model');
  if (typeof json.model !== 'string' || json.model === '') return missingParameter('model');
  const previousResponseId = typeof json.previous_response_id === 'string' ? json.previous_response_id : null;
  if (json.input === undefined && previousResponseId === null) return missingParameter('input');
  const input = json.input === undefined ? [] : readInput(json.input, lookup);
  if (isError(input)) return input;
  const read = readTools(json, defaultImageModel);
  if (isError(read)) return read;
  const toolChoice = readToolChoice(json.tool_choice, read.tools);
  if (isError(toolChoice)) return toolChoice;
  if (json.metadata !== undefined && json.metadata !== null && !isRecord(json.metadata)) {
    return invalidValue('metadata', "Invalid type for 'metadata': expected an object.");
  }
  return {
    model: json.model,
    input,
    instructions: typeof json.instructions === 'string' ? json.instructions : null,
    tools: read.tools,
    imageTool: read.imageTool,
    toolChoice,
    store: json.store !== false,
    previousResponseId,
    metadata: isRecord(json.metadata) ? json.metadata : {},
    stream: json.stream === true,
    parallelToolCalls: json.parallel_tool_calls !== false,
  };
}
