// Gemini Interactions request → one canonical request: the stored earlier turns
// (previous_interaction_id), this turn's input (string, content blocks, steps or role turns),
// `system_instruction`, and the image output settings (`response_format`, `generation_config`).
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type {
  Content,
  GenerateContentRequest,
  GenerationConfig,
  ImageConfig,
  Part,
} from '../../canonical/types.js';
import { isBase64 } from '../gemini/normalize-request.js';
import type { InteractionBody, InteractionContent, ResponseFormat } from './schema.js';

export interface InteractionsCanonicalRequest {
  request: GenerateContentRequest;
  /** This turn's input as canonical contents, stored with the interaction for later turns. */
  turnInput: Content[];
  /** The image type the answer must be in (`response_format` image `mime_type`), if one was asked. */
  outputMimeType?: string;
  /** Canonical image settings → the client field each came from (for capability errors). */
  imageFields: Record<string, string>;
  /** The client field an image part of `request.contents` came from (for URL fetch errors). */
  paramOf(contentIndex: number, partIndex: number): string;
}

const outputMimeTypes = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * The schema lets a block in an `input` list through as a loosely typed step (one union serves
 * steps, turns and blocks), so the block's own fields are checked here.
 */
function requireStrings(block: Record<string, unknown>, fields: readonly string[], param: string): void {
  for (const field of fields) {
    const value = block[field];
    if (value !== undefined && (typeof value !== 'string' || (field !== 'text' && value === ''))) {
      throw errorCatalogue.INVALID_VALUE(
        `'${param}.${field}' must be a non-empty string.`,
        `${param}.${field}`,
      );
    }
  }
}

function imagePart(block: Extract<InteractionContent, { type: 'image' }>, param: string): Part {
  requireStrings(block, ['data', 'uri', 'mime_type'], param);
  if (block.data !== undefined) {
    const data = block.data.replace(/\s+/g, '');
    if (!isBase64(data)) {
      throw errorCatalogue.INVALID_VALUE(
        `'${param}.data' must be base64 (no data: prefix).`,
        `${param}.data`,
      );
    }
    return { inlineData: { mimeType: block.mime_type ?? 'image/png', data } };
  }
  if (block.uri !== undefined) {
    if (!/^https?:\/\//i.test(block.uri)) {
      throw errorCatalogue.UNSUPPORTED_VALUE(
        `'${param}.uri' must be an https URL; Files API and gs:// URIs are not served here. Send the image as 'data'.`,
        `${param}.uri`,
      );
    }
    return { fileData: { fileUri: block.uri, ...(block.mime_type ? { mimeType: block.mime_type } : {}) } };
  }
  throw errorCatalogue.MISSING_PARAMETER(`An image block needs 'data' (base64) or 'uri'.`, `${param}.data`);
}

function contentPart(block: InteractionContent, param: string): Part | undefined {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) {
    throw errorCatalogue.INVALID_VALUE(`'${param}' must be a content block object.`, param);
  }
  if (block.type === 'text') {
    const { text } = block as { text?: unknown };
    if (typeof text !== 'string') {
      throw errorCatalogue.INVALID_VALUE(`'${param}.text' must be a string.`, `${param}.text`);
    }
    return text === '' ? undefined : { text };
  }
  if (block.type === 'image')
    return imagePart(block as Extract<InteractionContent, { type: 'image' }>, param);
  throw errorCatalogue.UNSUPPORTED_VALUE(
    `Content of type '${block.type}' is not supported by the image models of this gateway; send text and image blocks.`,
    `${param}.type`,
  );
}

interface TurnBuilder {
  contents: Content[];
  params: string[][];
}

function addTurn(
  turn: TurnBuilder,
  role: 'user' | 'model',
  blocks: string | InteractionContent | InteractionContent[],
  param: string,
) {
  const parts: Part[] = [];
  const params: string[] = [];
  if (typeof blocks === 'string') {
    if (blocks !== '') parts.push({ text: blocks });
    params.push(param);
  } else if (!Array.isArray(blocks)) {
    // One content block sent alone is the whole `input`: its fields are named from there.
    const part = contentPart(blocks, param);
    if (part) {
      parts.push(part);
      params.push(param);
    }
  } else {
    blocks.forEach((block, index) => {
      const part = contentPart(block, `${param}[${index}]`);
      if (part) {
        parts.push(part);
        params.push(`${param}[${index}]`);
      }
    });
  }
  if (parts.length === 0) return;
  const last = turn.contents.at(-1);
  if (last?.role === role) {
    last.parts = [...(last.parts ?? []), ...parts];
    turn.params[turn.params.length - 1].push(...params);
    return;
  }
  turn.contents.push({ role, parts });
  turn.params.push(params);
}

const contentTypes = new Set(['text', 'image', 'audio', 'document', 'video']);

/** One element of an `input` array: a role turn, a step, or a content block of one user turn. */
function addElement(
  turn: TurnBuilder,
  element: Record<string, unknown>,
  index: number,
  blocks: InteractionContent[],
) {
  const param = `input[${index}]`;
  if (typeof element.role === 'string') {
    const role = element.role === 'model' ? 'model' : element.role === 'user' ? 'user' : undefined;
    if (!role) {
      throw errorCatalogue.INVALID_VALUE(`A turn's role must be "user" or "model".`, `${param}.role`);
    }
    addTurn(turn, role, element.content as string | InteractionContent[], `${param}.content`);
    return;
  }
  const type = String(element.type);
  if (contentTypes.has(type)) {
    blocks.push(element as InteractionContent);
    return;
  }
  const content = (element.content ?? []) as string | InteractionContent[];
  if (type === 'user_input') addTurn(turn, 'user', content, `${param}.content`);
  else if (type === 'model_output') addTurn(turn, 'model', content, `${param}.content`);
  else if (type !== 'thought') {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Steps of type '${type}' are not supported by this image gateway; send user_input and model_output steps, or continue with previous_interaction_id.`,
      `${param}.type`,
    );
  }
}

function convertInput(input: InteractionBody['input']): TurnBuilder {
  const turn: TurnBuilder = { contents: [], params: [] };
  if (input === undefined) return turn;
  if (typeof input === 'string') {
    addTurn(turn, 'user', input, 'input');
    return turn;
  }
  if (!Array.isArray(input)) {
    addTurn(turn, 'user', input, 'input');
    return turn;
  }
  const blocks: InteractionContent[] = [];
  input.forEach((element, index) => {
    addElement(turn, element as Record<string, unknown>, index, blocks);
  });
  if (blocks.length > 0) {
    if (turn.contents.length > 0) {
      throw errorCatalogue.INVALID_VALUE(
        `'input' mixes content blocks with steps or turns; send one form.`,
        'input',
      );
    }
    addTurn(turn, 'user', blocks, 'input');
  }
  return turn;
}

/** `response_format` (newer) over `generation_config.image_config` (deprecated), and the modalities. */
function outputConfig(body: InteractionBody): {
  config: GenerationConfig;
  imageFields: Record<string, string>;
  outputMimeType?: string;
} {
  const config: GenerationConfig = {};
  const formats: ResponseFormat[] =
    body.response_format === undefined
      ? []
      : Array.isArray(body.response_format)
        ? body.response_format
        : [body.response_format];
  const image = formats.find((format) => format.type === 'image');
  const modalities =
    formats.length > 0 ? formats.map((format) => format.type) : (body.response_modalities ?? []);
  if (modalities.length > 0) {
    const wanted = new Set(modalities.map((modality) => modality.toUpperCase()));
    const unknown = modalities.findIndex((modality) => !['TEXT', 'IMAGE'].includes(modality.toUpperCase()));
    if (unknown >= 0) {
      const field =
        formats.length === 0
          ? `response_modalities[${unknown}]`
          : Array.isArray(body.response_format)
            ? `response_format[${unknown}].type`
            : 'response_format.type';
      throw errorCatalogue.UNSUPPORTED_VALUE(
        `Output '${modalities[unknown].toLowerCase()}' is not made by the image models of this gateway; ask for text and image.`,
        field,
      );
    }
    config.responseModalities = ['TEXT', 'IMAGE'].filter((modality) => wanted.has(modality));
  }
  const imageConfig: ImageConfig = {};
  const aspectRatio = image?.aspect_ratio ?? body.generation_config?.image_config?.aspect_ratio;
  const imageSize = image?.image_size ?? body.generation_config?.image_config?.image_size;
  const from = (field: 'aspect_ratio' | 'image_size') =>
    image?.[field] !== undefined ? 'response_format' : 'generation_config.image_config';
  const imageFields = {
    'generationConfig.imageConfig.aspectRatio': `${from('aspect_ratio')}.aspect_ratio`,
    'generationConfig.imageConfig.imageSize': `${from('image_size')}.image_size`,
  };
  if (aspectRatio) imageConfig.aspectRatio = aspectRatio;
  if (imageSize) imageConfig.imageSize = /^\d+k$/.test(imageSize) ? imageSize.toUpperCase() : imageSize;
  if (Object.keys(imageConfig).length > 0) config.imageConfig = imageConfig;
  const generation = body.generation_config;
  if (generation?.max_output_tokens !== undefined) config.maxOutputTokens = generation.max_output_tokens;
  if (generation?.seed !== undefined) config.seed = generation.seed;
  if (generation?.stop_sequences !== undefined) config.stopSequences = generation.stop_sequences;
  if (generation?.temperature !== undefined) config.temperature = generation.temperature;
  if (generation?.top_p !== undefined) config.topP = generation.top_p;
  // Validated by the schema, so it must reach the model rather than vanish.
  if (generation?.thinking_level !== undefined) {
    config.thinkingConfig = { thinkingLevel: generation.thinking_level.toUpperCase() };
  }
  if (image?.mime_type !== undefined && !outputMimeTypes.includes(image.mime_type)) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `response_format mime_type must be one of ${outputMimeTypes.join(', ')}.`,
      'response_format.mime_type',
    );
  }
  return image?.mime_type
    ? { config, imageFields, outputMimeType: image.mime_type }
    : { config, imageFields };
}

/** Tools the translated request can carry: Google Search grounding; others are named in a 400. */
function toolsOf(body: InteractionBody): Record<string, unknown>[] {
  return (body.tools ?? []).map((tool, index) => {
    if (tool.type === 'google_search') return { googleSearch: {} };
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Tool type '${tool.type}' is not supported by the image models of this gateway.`,
      `tools[${index}].type`,
    );
  });
}

export function interactionRequestToCanonical(
  body: InteractionBody,
  history: readonly Content[],
): InteractionsCanonicalRequest {
  const turn = convertInput(body.input);
  if (!turn.contents.some((content) => content.role === 'user')) {
    throw errorCatalogue.MISSING_PARAMETER(
      `'input' must hold the instruction: a string, text and image blocks, or a user_input step.`,
      'input',
    );
  }
  const request: GenerateContentRequest = { contents: [...history, ...turn.contents] };
  if (body.system_instruction) request.systemInstruction = { parts: [{ text: body.system_instruction }] };
  const { config, imageFields, outputMimeType } = outputConfig(body);
  if (Object.keys(config).length > 0) request.generationConfig = config;
  const tools = toolsOf(body);
  if (tools.length > 0) request.tools = tools;
  if (body.safety_settings) request.safetySettings = body.safety_settings;
  const offset = history.length;
  const result: InteractionsCanonicalRequest = {
    request,
    turnInput: turn.contents,
    imageFields,
    paramOf: (contentIndex, partIndex) =>
      turn.params[contentIndex - offset]?.[partIndex] ?? `input[${contentIndex - offset}]`,
  };
  if (outputMimeType) result.outputMimeType = outputMimeType;
  return result;
}
