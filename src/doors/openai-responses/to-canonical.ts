// OpenAI Responses request → one canonical Gemini request: the stored earlier turns
// (previous_response_id), this turn's input items, `instructions`, and the image tool's options.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import {
  attachOpenAiImageOptions,
  maskInstruction,
  type OpenAiImageOptions,
} from '../../canonical/openai-image-options.js';
import {
  type CatalogLikeCapabilities,
  imageConfigForOpenAiSize,
} from '../../canonical/openai-size-mapping.js';
import { imageMimeFromBytes } from '../../canonical/sniff-mime.js';
import type { Content, GenerateContentRequest, GenerationConfig, Part } from '../../canonical/types.js';
import type { ModelFamily } from '../../catalog/schema.js';
import { imageUrlToPart } from '../openai-common/image-url-part.js';
import type { ImagesBackground, ImagesOutputFormat } from '../openai-images/schema.js';
import { hasImage, imageCount, withinImageLimit, withoutImages } from './history-images.js';
import type {
  ImageGenerationTool,
  ResponsesBody,
  ResponsesContentPart,
  ResponsesInputItem,
} from './schema.js';

/** The image tool as asked for and as the reply reports it. */
export interface ResponsesImageOptions {
  format: ImagesOutputFormat;
  compression?: number;
  background: ImagesBackground;
  quality: 'auto' | 'low' | 'medium' | 'high';
  /** As requested: `auto` or `WxH`. */
  size: string;
  /** The imageSize sent upstream, for reporting an `auto` quality. */
  imageSize?: string;
  partialImages: number;
  action: 'auto' | 'generate' | 'edit';
}

/** A stored turn's system and developer messages, kept as one content of this role. */
const systemRole = 'system';

export interface ResponsesCanonicalRequest {
  request: GenerateContentRequest;
  /**
   * This turn's input as canonical contents, stored with the response for the turns after it; its
   * system and developer messages first, as one content of role `system`.
   */
  turnInput: Content[];
  /** Present when the image tool may run (it is given and tool_choice is not `none`). */
  image?: ResponsesImageOptions;
  /** tool_choice `required` or the image tool by name: an answer without an image is an error. */
  imageRequired: boolean;
  /** The last user text of this turn: the prompt the image model was given. */
  prompt: string;
  /** The client field an image part of `request.contents` came from (for URL fetch errors). */
  paramOf(contentIndex: number, partIndex: number): string;
  /**
   * The canonical paths the request inspection names for this turn's images (`contents[i].parts[j]
   * .inlineData.data`, `….fileData.fileUri`) → the client's field, for renaming a 400's `param`.
   */
  imageParamNames: Readonly<Record<string, string>>;
}

export interface ImageToolAt {
  tool: ImageGenerationTool;
  index: number;
}

export interface ResponsesCanonicalContext {
  /** Earlier turns of the conversation, oldest first (user input and model output). */
  history: Content[];
  tool?: ImageToolAt;
  model: {
    family: ModelFamily;
    /** `maxInputImages` bounds the images a long conversation sends (the catalog model has it). */
    capabilities: CatalogLikeCapabilities & { maxInputImages?: number };
    id: string;
  };
  stream: boolean;
}

/** An earlier answer's base64 `result` → an inline image typed from its first bytes. */
export function resultImagePart(result: string): Part | undefined {
  if (result === '') return undefined;
  const mimeType = imageMimeFromBytes(Buffer.from(result.slice(0, 96), 'base64')) ?? 'image/png';
  return { inlineData: { mimeType, data: result } };
}

function contentPart(part: ResponsesContentPart, param: string): Part | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text === '' ? undefined : { text: part.text };
    case 'refusal':
      return undefined;
    case 'input_image':
      if (part.image_url) return imageUrlToPart(part.image_url, `${param}.image_url`);
      if (part.file_id) {
        throw errorCatalogue.UNSUPPORTED_VALUE(
          `File ids are not supported by this gateway; send '${param}.image_url' as a data URL (data:image/png;base64,…) or an https URL.`,
          `${param}.file_id`,
        );
      }
      throw errorCatalogue.MISSING_PARAMETER(
        `Missing required parameter: '${param}.image_url'.`,
        `${param}.image_url`,
      );
    case 'input_file':
      throw errorCatalogue.UNSUPPORTED_VALUE(
        `Input files are not supported by the image models of this gateway; send images as 'input_image' parts.`,
        `${param}.type`,
      );
  }
}

interface TurnBuilder {
  system: Part[];
  contents: Content[];
  params: string[][];
}

function addParts(turn: TurnBuilder, role: 'user' | 'model', parts: Part[], params: string[]): void {
  if (parts.length === 0) return;
  const last = turn.contents.at(-1);
  // Consecutive items of one role (an image call, then the assistant's text) are one turn.
  if (last?.role === role) {
    last.parts = [...(last.parts ?? []), ...parts];
    turn.params[turn.params.length - 1].push(...params);
    return;
  }
  turn.contents.push({ role, parts });
  turn.params.push(params);
}

function addItem(turn: TurnBuilder, item: ResponsesInputItem, index: number): void {
  const param = `input[${index}]`;
  if ('role' in item && (item.type === undefined || item.type === 'message')) {
    const message = item as Extract<ResponsesInputItem, { role: string }>;
    const parts: Part[] = [];
    const params: string[] = [];
    if (typeof message.content === 'string') {
      if (message.content !== '') parts.push({ text: message.content });
      params.push(`${param}.content`);
    } else {
      message.content.forEach((part, partIndex) => {
        const partParam = `${param}.content[${partIndex}]`;
        const converted = contentPart(part, partParam);
        if (converted) {
          parts.push(converted);
          params.push(`${partParam}.image_url`);
        }
      });
    }
    if (message.role === 'system' || message.role === 'developer') turn.system.push(...parts);
    else addParts(turn, message.role === 'assistant' ? 'model' : 'user', parts, params);
    return;
  }
  if (item.type === 'image_generation_call') {
    const result = (item as { result?: unknown }).result;
    const part = typeof result === 'string' ? resultImagePart(result) : undefined;
    if (part) addParts(turn, 'model', [part], [`${param}.result`]);
    return;
  }
  throw errorCatalogue.UNSUPPORTED_VALUE(
    `Input items of type '${item.type}' are not supported by this image gateway; send messages (input_text, input_image) and earlier image_generation_call items, or continue with previous_response_id.`,
    `${param}.type`,
  );
}

/** This turn's items → canonical contents (system/developer parts apart), with each part's field name. */
function convertInput(input: ResponsesBody['input']): TurnBuilder {
  const turn: TurnBuilder = { system: [], contents: [], params: [] };
  if (typeof input === 'string') addParts(turn, 'user', input === '' ? [] : [{ text: input }], ['input']);
  else
    (input ?? []).forEach((item, index) => {
      addItem(turn, item, index);
    });
  return turn;
}

function lastUserText(contents: readonly Content[]): string {
  for (let index = contents.length - 1; index >= 0; index -= 1) {
    if (contents[index].role !== 'user') continue;
    return (contents[index].parts ?? [])
      .map((part) => part.text ?? '')
      .join('\n')
      .trim();
  }
  return '';
}

/** Tool options a model of this family cannot honour → a 400 naming the field. */
function checkToolOptions(at: ImageToolAt, model: ResponsesCanonicalContext['model']): void {
  const { tool, index } = at;
  const field = (name: string) => `tools[${index}].${name}`;
  if (tool.background === 'transparent' && tool.output_format === 'jpeg') {
    throw errorCatalogue.INVALID_VALUE(
      `'background: transparent' needs output_format 'png' or 'webp'; jpeg has no alpha channel.`,
      field('background'),
    );
  }
  if (model.family === 'openai') return;
  if (tool.background === 'transparent') {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `${model.id} cannot make transparent backgrounds. Use background 'opaque' or 'auto', or a gpt-image model.`,
      field('background'),
    );
  }
  if (tool.input_fidelity) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `input_fidelity is a gpt-image option; ${model.id} cannot honour it. Leave it out, or use a gpt-image model.`,
      field('input_fidelity'),
    );
  }
}

function maskParts(at: ImageToolAt): Part[] {
  const mask = at.tool.input_image_mask;
  if (!mask) return [];
  const param = `tools[${at.index}].input_image_mask`;
  if (!mask.image_url) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `File ids are not supported by this gateway; send '${param}.image_url' as a data URL.`,
      `${param}.file_id`,
    );
  }
  return [{ text: maskInstruction }, imageUrlToPart(mask.image_url, `${param}.image_url`)];
}

function imageRequiredBy(choice: ResponsesBody['tool_choice']): boolean {
  if (choice === 'required') return true;
  return typeof choice === 'object' && choice !== null && choice.type === 'image_generation';
}

function generationConfigFor(
  body: ResponsesBody,
  image: ResponsesImageOptions | undefined,
  capabilities: CatalogLikeCapabilities,
): { config: GenerationConfig; imageSize?: string } {
  const config: GenerationConfig = { responseModalities: image ? ['TEXT', 'IMAGE'] : ['TEXT'] };
  let imageSize: string | undefined;
  if (image) {
    const imageConfig = imageConfigForOpenAiSize(image.size, image.quality, capabilities);
    if (Object.keys(imageConfig).length > 0) config.imageConfig = imageConfig;
    imageSize = imageConfig.imageSize;
  }
  if (body.max_output_tokens != null) config.maxOutputTokens = body.max_output_tokens;
  if (body.temperature != null) config.temperature = body.temperature;
  if (body.top_p != null) config.topP = body.top_p;
  return imageSize ? { config, imageSize } : { config };
}

function imageOptionsFor(at: ImageToolAt, stream: boolean): ResponsesImageOptions {
  const { tool } = at;
  const options: ResponsesImageOptions = {
    format: tool.output_format ?? 'png',
    background: tool.background ?? 'auto',
    quality: tool.quality ?? 'auto',
    size: tool.size ?? 'auto',
    partialImages: stream ? (tool.partial_images ?? 0) : 0,
    action: tool.action ?? 'auto',
  };
  if (tool.output_compression !== undefined) options.compression = tool.output_compression;
  return options;
}

function openAiOptionsFor(tool: ImageGenerationTool, stream: boolean): OpenAiImageOptions {
  return {
    size: tool.size === 'auto' ? undefined : tool.size,
    quality: tool.quality,
    background: tool.background,
    output_format: tool.output_format,
    output_compression: tool.output_compression,
    moderation: tool.moderation,
    input_fidelity: tool.input_fidelity ?? undefined,
    partial_images: stream ? tool.partial_images : undefined,
  };
}

export function responsesRequestToCanonical(
  body: ResponsesBody,
  context: ResponsesCanonicalContext,
): ResponsesCanonicalRequest {
  const turn = convertInput(body.input);
  if (!turn.contents.some((content) => content.role === 'user')) {
    throw errorCatalogue.MISSING_PARAMETER(
      `Missing required parameter: 'input'. Send the instruction as a string or as a user message with input_text (and input_image) parts.`,
      'input',
    );
  }
  // Stored for later turns as the client sent it: without this turn's mask.
  const turnInput = turn.contents.map((content) => ({ ...content, parts: [...(content.parts ?? [])] }));
  // System and developer messages are input items: later turns keep them (`instructions` they do not).
  if (turn.system.length > 0) turnInput.unshift({ role: systemRole, parts: [...turn.system] });
  const choice = body.tool_choice ?? 'auto';
  const toolUsed = context.tool !== undefined && choice !== 'none';
  const image = toolUsed && context.tool ? imageOptionsFor(context.tool, context.stream) : undefined;
  const earlierSystem = context.history
    .filter((content) => content.role === systemRole)
    .flatMap((content) => content.parts ?? []);
  let history: readonly Content[] = context.history.filter((content) => content.role !== systemRole);
  if (context.tool && image) {
    checkToolOptions(context.tool, context.model);
    if (image.action === 'generate') history = withoutImages(history);
    const mask = maskParts(context.tool);
    const anyImage = hasImage(history) || hasImage(turn.contents);
    if (image.action === 'edit' && !anyImage) {
      throw errorCatalogue.INVALID_VALUE(
        `'action: edit' needs an image to edit: send an input_image, or continue a response that made one (previous_response_id).`,
        `tools[${context.tool.index}].action`,
      );
    }
    if (mask.length > 0) {
      if (!anyImage) {
        throw errorCatalogue.INVALID_VALUE(
          `An input_image_mask needs an image to apply to: send an input_image too.`,
          `tools[${context.tool.index}].input_image_mask`,
        );
      }
      const lastUser = turn.contents.map((content) => content.role).lastIndexOf('user');
      turn.contents[lastUser].parts = [...(turn.contents[lastUser].parts ?? []), ...mask];
      const maskParam = `tools[${context.tool.index}].input_image_mask.image_url`;
      turn.params[lastUser].push(maskParam, maskParam);
    }
  }
  const maxInputImages = context.model.capabilities.maxInputImages;
  if (maxInputImages !== undefined) {
    history = withinImageLimit(history, maxInputImages - imageCount(turn.contents));
  }
  const contents = [...history, ...turn.contents];
  const request: GenerateContentRequest = { contents };
  const system: Part[] = [];
  if (body.instructions) system.push({ text: body.instructions });
  system.push(...earlierSystem, ...turn.system);
  if (system.length > 0) request.systemInstruction = { parts: system };
  const { config, imageSize } = generationConfigFor(body, image, context.model.capabilities);
  request.generationConfig = config;
  if (image && imageSize) image.imageSize = imageSize;
  if (context.tool && image)
    attachOpenAiImageOptions(request, openAiOptionsFor(context.tool.tool, context.stream));
  const offset = history.length;
  const imageParamNames: Record<string, string> = {};
  turn.contents.forEach((content, contentIndex) => {
    (content.parts ?? []).forEach((part, partIndex) => {
      if (!part.inlineData && !part.fileData) return;
      const path = `contents[${contentIndex + offset}].parts[${partIndex}]`;
      const param = turn.params[contentIndex]?.[partIndex] ?? 'input';
      // An https image is fetched and inlined before the inspection, so either path may be named.
      for (const suffix of ['.inlineData', '.inlineData.data', '.fileData.fileUri']) {
        imageParamNames[`${path}${suffix}`] = param;
      }
    });
  });
  const result: ResponsesCanonicalRequest = {
    imageParamNames,
    request,
    turnInput,
    imageRequired: toolUsed && imageRequiredBy(choice),
    prompt: lastUserText(turn.contents),
    paramOf: (contentIndex, partIndex) =>
      turn.params[contentIndex - offset]?.[partIndex] ?? `input[${contentIndex - offset}]`,
  };
  if (image) result.image = image;
  return result;
}
