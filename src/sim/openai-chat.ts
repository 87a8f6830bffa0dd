// OpenRouter-style `/v1/chat/completions` with image output (WIRE.md §10): the request becomes a Gemini
// request for the shared answer logic; parts come back as `message.images[]` / `delta.images`.

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Content, GenerateContentRequest, Part } from '../canonical/types.js';
import type { ActiveFaults } from './faults.js';
import { type GeminiAnswer, answerGemini } from './gemini-answer.js';
import type { HostedFiles } from './hosted-files.js';
import { send, sendTruncated, writeChunk } from './http-io.js';
import type { SimModel } from './model-families.js';
import type { ModelList } from './model-list.js';
import { isRecord } from './normalize-request.js';
import { type OpenAiError, invalidValue, missingParameter, modelNotFound } from './openai-errors.js';
import { openAiSseData, openAiSseDone } from './wire-format.js';

export interface ChatCall {
  model: SimModel;
  modelName: string;
  request: GenerateContentRequest;
  stream: boolean;
}

function toParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((item): Part[] => {
    if (!isRecord(item)) return [];
    if (item.type === 'text' && typeof item.text === 'string') return [{ text: item.text }];
    const imageUrl = isRecord(item.image_url) ? item.image_url.url : undefined;
    const match = typeof imageUrl === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(imageUrl) : null;
    return match ? [{ inlineData: { mimeType: match[1], data: match[2] } }] : [];
  });
}

/**
 * Reads the chat body into a Gemini request (messages → contents, image_config → imageConfig). The
 * model is a listed Gemini id, bare or OpenRouter-style `google/{id}`; any other answers 404.
 */
export function readChatCall(json: unknown, models: ModelList): ChatCall | OpenAiError {
  if (!isRecord(json)) return missingParameter('messages');
  const modelName = typeof json.model === 'string' ? json.model : '';
  if (!modelName) return missingParameter('model');
  const model = models.findGemini(modelName.split('/').pop() ?? modelName);
  if (!model) return modelNotFound(modelName);
  if (!Array.isArray(json.messages) || json.messages.length === 0) return missingParameter('messages');
  const contents: Content[] = json.messages
    .filter((message) => isRecord(message) && message.role !== 'system')
    .map((message) => ({
      role: isRecord(message) && message.role === 'assistant' ? 'model' : 'user',
      parts: toParts(isRecord(message) ? message.content : undefined),
    }));
  const imageConfig = isRecord(json.image_config) ? json.image_config : {};
  const aspectRatio = imageConfig.aspect_ratio;
  const imageSize = imageConfig.image_size;
  if (
    aspectRatio !== undefined &&
    (typeof aspectRatio !== 'string' || !model.aspectRatios.includes(aspectRatio))
  ) {
    return invalidValue('image_config.aspect_ratio', `Invalid value: '${String(aspectRatio)}'.`);
  }
  const request: GenerateContentRequest = {
    contents,
    generationConfig: {
      responseModalities: ['TEXT', 'IMAGE'],
      imageConfig: {
        ...(typeof aspectRatio === 'string' ? { aspectRatio } : {}),
        ...(typeof imageSize === 'string' ? { imageSize } : {}),
      },
    },
  };
  return { model, modelName, request, stream: json.stream === true };
}

function imageEntry(part: Part, index: number) {
  const data = part.inlineData;
  return { type: 'image_url', image_url: { url: `data:${data?.mimeType};base64,${data?.data}` }, index };
}

function usageOf(answer: GeminiAnswer) {
  const completion =
    answer.partTokens.reduce((sum, tokens) => sum + tokens, 0) + (answer.thoughtsTokenCount ?? 0);
  return {
    prompt_tokens: answer.promptTokenCount,
    completion_tokens: completion,
    total_tokens: answer.promptTokenCount + completion,
    completion_tokens_details: {
      reasoning_tokens: answer.thoughtsTokenCount ?? 0,
      image_tokens: answer.imageTokenCount,
    },
  };
}

function finish(answer: GeminiAnswer) {
  return { finish_reason: 'stop', native_finish_reason: answer.finishReason };
}

export async function answerChat(call: ChatCall, faults: ActiveFaults, hostedFiles: HostedFiles) {
  return answerGemini({
    model: call.model,
    modelName: call.model.name,
    request: call.request,
    faults,
    hostedFiles,
  });
}

export async function sendChat(
  response: ServerResponse,
  call: ChatCall,
  answer: GeminiAnswer,
  faults: ActiveFaults,
): Promise<void> {
  const id = `gen-${Math.floor(Date.now() / 1000)}-${randomBytes(10).toString('hex')}`;
  const header = { id, provider: 'Google', model: call.modelName, created: Math.floor(Date.now() / 1000) };
  const texts = answer.parts.filter((part) => typeof part.text === 'string').map((part) => part.text);
  const images = answer.parts.filter((part) => part.inlineData).map(imageEntry);
  if (!call.stream) {
    const message = { role: 'assistant', content: texts.join('\n'), refusal: null, reasoning: null, images };
    const body = JSON.stringify({
      ...header,
      object: 'chat.completion',
      choices: [{ logprobs: null, ...finish(answer), index: 0, message }],
      usage: usageOf(answer),
    });
    if (faults.has('truncated-stream')) sendTruncated(response, 'application/json', body);
    else send(response, 200, 'application/json', body);
    return;
  }
  const chunk = (delta: Record<string, unknown>) =>
    openAiSseData({
      ...header,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: null }],
    });
  const events = [
    ...texts.map((text) => chunk({ content: text })),
    ...(images.length > 0 ? [chunk({ content: '', images })] : []),
    openAiSseData({
      ...header,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, ...finish(answer) }],
      usage: usageOf(answer),
    }),
  ];
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  if (faults.has('truncated-stream')) {
    const [first = '', second = ''] = events;
    await writeChunk(response, first);
    await writeChunk(response, second.slice(0, Math.floor(second.length / 2)));
    response.end();
    return;
  }
  for (const event of [...events, openAiSseDone]) {
    if (response.destroyed) return;
    await writeChunk(response, event);
  }
  response.end();
}
