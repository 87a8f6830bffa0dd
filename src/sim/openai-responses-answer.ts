// What the model behind `POST /v1/responses` answers: it "calls" the image_generation tool with the
// last user text on the most recent image of the conversation (the engine does the work), then says
// what it did in a message; usage and the image tool's token use are priced like gpt-image's.

import { randomBytes } from 'node:crypto';
import { runEngine } from '../engine/index.js';
import type { EngineImage } from '../engine/types.js';
import type { ActiveFaults } from './faults.js';
import { noImageText } from './gemini-answer.js';
import { gptImageSizeRatios, gptImageTokens, textTokens } from './model-families.js';
import { encode, exactSize, gptInputImageTokens, resolvedSize } from './openai-images.js';
import type { ConversationItem, ImageToolOptions, ResponsesCall } from './openai-responses-input.js';
import { padPng } from './png-padding.js';

type WireObject = Record<string, unknown>;

/** The image_generation_call of an answer, with what streaming needs to show partial images. */
export interface ImageCall {
  item: WireObject;
  image: Buffer;
  options: ImageToolOptions;
  /** size, quality, background and output_format as the call resolved them. */
  common: { size: string; quality: string; background: string; output_format: string };
}

export interface ResponsesAnswer {
  imageCall?: ImageCall;
  message: WireObject;
  text: string;
  usage: WireObject;
  toolUsage: WireObject;
  /** The conversation including this answer's output, for a follow-up's previous_response_id. */
  conversation: ConversationItem[];
}

/** OpenAI's ids: a type prefix and 50 hex digits. */
export function newId(prefix: 'resp' | 'ig' | 'msg'): string {
  return `${prefix}_${randomBytes(25).toString('hex')}`;
}

/** The response object before any output: what response.created and response.in_progress carry. */
export function inProgressResponse(call: ResponsesCall, id: string, createdAt: number): WireObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: call.instructions,
    max_output_tokens: null,
    max_tool_calls: null,
    model: call.model,
    output: [],
    parallel_tool_calls: call.parallelToolCalls,
    previous_response_id: call.previousResponseId,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: call.store,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: call.toolChoice,
    tools: call.tools,
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: call.metadata,
  };
}

export function completedResponse(base: WireObject, answer: ResponsesAnswer): WireObject {
  const output = answer.imageCall ? [answer.imageCall.item, answer.message] : [answer.message];
  return {
    ...base,
    status: 'completed',
    completed_at: Math.floor(Date.now() / 1000),
    output,
    usage: answer.usage,
    tool_usage: answer.toolUsage,
  };
}

export function failedResponse(base: WireObject, message: string): WireObject {
  return { ...base, status: 'failed', error: { code: 'server_error', message } };
}

function lastUserText(conversation: ConversationItem[]): string {
  for (let index = conversation.length - 1; index >= 0; index--) {
    const item = conversation[index];
    if (item.kind === 'message' && item.role === 'user' && item.texts.length > 0)
      return item.texts.join('\n');
  }
  return '';
}

/** The images of the latest turn that has any: a message's input images or an earlier call's result. */
function latestImages(conversation: ConversationItem[]): EngineImage[] {
  for (let index = conversation.length - 1; index >= 0; index--) {
    const item = conversation[index];
    if (item.kind === 'image') return [item.image];
    if (item.images.length > 0) return item.images;
  }
  return [];
}

function messageItem(text: string): WireObject {
  return {
    id: newId('msg'),
    type: 'message',
    status: 'completed',
    content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

function imageGenerationUsage(textTokenCount: number, imageTokenCount: number, outputTokens: number) {
  return {
    image_gen: {
      input_tokens: textTokenCount + imageTokenCount,
      input_tokens_details: { image_tokens: imageTokenCount, text_tokens: textTokenCount },
      output_tokens: outputTokens,
      output_tokens_details: { image_tokens: outputTokens, text_tokens: 0 },
      total_tokens: textTokenCount + imageTokenCount + outputTokens,
    },
  };
}

/** The mainline model's own tokens: the conversation read, the message written. */
function mainlineUsage(call: ResponsesCall, conversation: ConversationItem[], text: string) {
  const texts = conversation.flatMap((item) => (item.kind === 'message' ? item.texts : []));
  const imageCount = conversation.reduce(
    (count, item) => count + (item.kind === 'image' ? 1 : item.images.length),
    0,
  );
  const inputTokens =
    textTokens([call.instructions ?? '', ...texts].join('')) + imageCount * gptInputImageTokens;
  const outputTokens = textTokens(text);
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

function textAnswer(call: ResponsesCall, conversation: ConversationItem[], text: string): ResponsesAnswer {
  const message = messageItem(text);
  return {
    message,
    text,
    usage: mainlineUsage(call, conversation, text),
    toolUsage: imageGenerationUsage(0, 0, 0),
    conversation: [...conversation, { kind: 'message', role: 'assistant', texts: [text], images: [] }],
  };
}

const noToolText =
  'No image_generation tool is available to this response, so no image was made. Add {"type": "image_generation"} to tools.';

/**
 * Answers the call over `history` (the previous responses' conversation). Without the tool, with
 * tool_choice "none", or when the engine cannot follow the instruction, the answer is text only.
 */
export async function answerResponses(
  call: ResponsesCall,
  history: ConversationItem[],
  faults: ActiveFaults,
  imageBytes?: number,
): Promise<ResponsesAnswer> {
  const conversation = [...history, ...call.input];
  const options = call.imageTool;
  if (!options || call.toolChoice === 'none') return textAnswer(call, conversation, noToolText);
  if (faults.has('no-image')) return textAnswer(call, conversation, noImageText);
  const instruction = lastUserText(conversation);
  const images = options.action === 'generate' ? [] : latestImages(conversation);
  if (options.action === 'edit' && images.length === 0) {
    return textAnswer(call, conversation, 'There is no image in the conversation to edit.');
  }
  const result = await runEngine({
    instruction,
    images,
    aspectRatio: gptImageSizeRatios[options.size],
    imageSize: '1K',
  });
  if (result.kind === 'no_image') {
    return textAnswer(call, conversation, `I couldn't make that image: ${result.reason}`);
  }
  const size = resolvedSize(options.size, result.width, result.height);
  const quality = options.quality === 'auto' ? 'high' : options.quality;
  const source = faults.has('unedited') && images[0] ? images[0].data : await exactSize(result.image, size);
  const encoded = await encode(source, options.outputFormat, options.outputCompression);
  const image = imageBytes && options.outputFormat === 'png' ? padPng(encoded, imageBytes) : encoded;
  const common = {
    size,
    quality,
    background: options.background === 'transparent' ? 'transparent' : 'opaque',
    output_format: options.outputFormat,
  };
  const item = {
    id: newId('ig'),
    type: 'image_generation_call',
    status: 'completed',
    action: images.length > 0 ? 'edit' : 'generate',
    ...common,
    result: image.toString('base64'),
    revised_prompt: instruction,
  };
  const outputTokens = Math.round((gptImageTokens[size]?.[quality] ?? 4160) * faults.usageDriftFactor);
  const text = result.description;
  const message = messageItem(text);
  const mimeType = `image/${options.outputFormat}`;
  return {
    imageCall: { item, image, options, common },
    message,
    text,
    usage: mainlineUsage(call, conversation, text),
    toolUsage: imageGenerationUsage(
      textTokens(instruction),
      images.length * gptInputImageTokens,
      outputTokens,
    ),
    conversation: [
      ...conversation,
      { kind: 'image', callId: item.id, image: { mimeType, data: image } },
      { kind: 'message', role: 'assistant', texts: [text], images: [] },
    ],
  };
}
