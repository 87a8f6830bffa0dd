// Turns a Gemini request into the answer the real model would give: the local engine does the
// editing, then parts, thought signatures and usage are shaped like Google's, and content faults
// (no-image, unedited, markdown-image, url-image, usage-drift, padded image) are applied.

import { randomBytes } from 'node:crypto';
import type { Blob, GenerateContentRequest, Part, UsageMetadata } from '../canonical/types.js';
import { generateWithLocalEngine } from '../providers/local/generate.js';
import type { ActiveFaults } from './faults.js';
import type { HostedFiles } from './hosted-files.js';
import { type SimModel, imageTokensFor, textTokens } from './model-families.js';
import { padPng } from './png-padding.js';

export const noImageText = "I can't generate that image.";
const thoughtsTokenCount = 200;

/** One answer, ready to be sent whole or split into stream events. */
export interface GeminiAnswer {
  /** Output parts in order: text part(s) first, then the image part (if any). */
  parts: Part[];
  finishReason: string;
  promptTokenCount: number;
  promptTokensDetails: { modality: string; tokenCount: number }[];
  /** Candidate tokens each part adds (same order as `parts`). */
  partTokens: number[];
  /** Index into `parts` of the image, or of the text carrying it; -1 when there is none. */
  imagePartIndex: number;
  imageTokenCount: number;
  thoughtsTokenCount?: number;
  responseId: string;
}

export interface AnswerContext {
  model: SimModel;
  modelName: string;
  request: GenerateContentRequest;
  faults: ActiveFaults;
  hostedFiles: HostedFiles;
  imageBytes?: number;
}

export function newResponseId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

function fakeSignature(): string {
  return randomBytes(48).toString('base64');
}

/** `responseModalities: ["IMAGE"]` (any case): the model answers with the image part alone. */
function wantsImageOnly(request: GenerateContentRequest): boolean {
  const modalities = request.generationConfig?.responseModalities ?? [];
  return modalities.length > 0 && modalities.every((modality) => String(modality).toUpperCase() === 'IMAGE');
}

function inputParts(request: GenerateContentRequest): Part[] {
  return (request.contents ?? []).flatMap((content) => content.parts ?? []);
}

function promptUsage(model: SimModel, request: GenerateContentRequest) {
  const parts = [...inputParts(request), ...(request.systemInstruction?.parts ?? [])];
  const text = parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  const imageCount = parts.filter((part) => part.inlineData || part.fileData).length;
  const details = [{ modality: 'TEXT', tokenCount: textTokens(text) }];
  if (imageCount > 0) details.push({ modality: 'IMAGE', tokenCount: imageCount * model.inputImageTokens });
  return { details, total: details.reduce((sum, detail) => sum + detail.tokenCount, 0) };
}

function firstInputImage(request: GenerateContentRequest): Blob | undefined {
  const users = (request.contents ?? []).filter((content) => content.role !== 'model');
  const last = users[users.length - 1];
  return last?.parts?.find((part) => part.inlineData)?.inlineData;
}

/** Extracts the engine's image (if any) and explanation text from its Gemini-shaped response. */
async function runEngine(context: AnswerContext) {
  const response = await generateWithLocalEngine(context.request, context.modelName);
  const candidate = response.candidates?.[0];
  const parts = candidate?.content?.parts ?? [];
  const image = parts.find((part) => part.inlineData && !part.thought)?.inlineData;
  const text = parts
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('');
  return { image, text, finishReason: candidate?.finishReason ?? 'STOP' };
}

function deliveredImage(context: AnswerContext, engineImage: Blob): Blob {
  let image: Blob = { mimeType: engineImage.mimeType, data: engineImage.data };
  if (context.faults.has('unedited')) {
    const input = firstInputImage(context.request);
    if (input) image = { mimeType: input.mimeType, data: input.data };
  }
  if (context.imageBytes && image.mimeType === 'image/png') {
    image = {
      ...image,
      data: padPng(Buffer.from(image.data, 'base64'), context.imageBytes).toString('base64'),
    };
  }
  return image;
}

function imagePart(context: AnswerContext, image: Blob): Part {
  if (context.faults.has('markdown-image')) {
    return { text: `![image](data:${image.mimeType};base64,${image.data})` };
  }
  if (context.faults.has('url-image')) {
    const url = context.hostedFiles.host(Buffer.from(image.data, 'base64'), image.mimeType);
    return { text: `![image](${url})` };
  }
  return { inlineData: { mimeType: image.mimeType, data: image.data } };
}

export async function answerGemini(context: AnswerContext): Promise<GeminiAnswer> {
  const { model, request, faults } = context;
  const prompt = promptUsage(model, request);
  const base = {
    promptTokenCount: prompt.total,
    promptTokensDetails: prompt.details,
    responseId: newResponseId(),
    thoughtsTokenCount: model.thinking ? thoughtsTokenCount : undefined,
  };
  const signed = (part: Part): Part =>
    model.thinking ? { ...part, thoughtSignature: fakeSignature() } : part;

  if (faults.has('no-image')) {
    return {
      ...base,
      parts: [signed({ text: noImageText })],
      partTokens: [textTokens(noImageText)],
      finishReason: 'STOP',
      imagePartIndex: -1,
      imageTokenCount: 0,
    };
  }
  const engine = await runEngine(context);
  if (!engine.image) {
    const text = engine.text || 'The request did not produce an image.';
    return {
      ...base,
      parts: [signed({ text })],
      partTokens: [textTokens(text)],
      finishReason: engine.finishReason === 'STOP' ? 'NO_IMAGE' : engine.finishReason,
      imagePartIndex: -1,
      imageTokenCount: 0,
    };
  }
  const imageSize = request.generationConfig?.imageConfig?.imageSize;
  const imageTokenCount = Math.round(imageTokensFor(model, imageSize) * faults.usageDriftFactor);
  const image = signed(imagePart(context, deliveredImage(context, engine.image)));
  if (wantsImageOnly(request)) {
    return {
      ...base,
      parts: [image],
      partTokens: [imageTokenCount],
      finishReason: 'STOP',
      imagePartIndex: 0,
      imageTokenCount,
    };
  }
  const leadText = engine.text || 'Here is the image.';
  return {
    ...base,
    parts: [signed({ text: leadText }), image],
    partTokens: [textTokens(leadText), imageTokenCount],
    finishReason: 'STOP',
    imagePartIndex: 1,
    imageTokenCount,
  };
}

/** Usage after the first `partCount` parts have been emitted (cumulative, as streams report it). */
export function usageAfter(answer: GeminiAnswer, partCount: number, vertex: boolean): UsageMetadata {
  const candidates = answer.partTokens.slice(0, partCount).reduce((sum, tokens) => sum + tokens, 0);
  const thoughts = answer.thoughtsTokenCount ?? 0;
  const usage: UsageMetadata = {
    promptTokenCount: answer.promptTokenCount,
    candidatesTokenCount: candidates,
    totalTokenCount: answer.promptTokenCount + candidates + thoughts,
    promptTokensDetails: answer.promptTokensDetails,
  };
  if (answer.imagePartIndex >= 0 && partCount > answer.imagePartIndex) {
    usage.candidatesTokensDetails = [{ modality: 'IMAGE', tokenCount: answer.imageTokenCount }];
  }
  if (answer.thoughtsTokenCount !== undefined) usage.thoughtsTokenCount = answer.thoughtsTokenCount;
  if (vertex) usage.trafficType = 'ON_DEMAND';
  return usage;
}
