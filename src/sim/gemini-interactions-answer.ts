// What an image model behind `POST /v1beta/interactions` answers: the Gemini answer (the engine edits
// the conversation's most recent image, or draws) reshaped into Interaction steps, with usage in the
// Interactions field names (per-modality `tokens`, lowercase modalities).

import { randomBytes } from 'node:crypto';
import type { Content, GenerateContentRequest, Part } from '../canonical/types.js';
import type { ActiveFaults } from './faults.js';
import { type GeminiAnswer, answerGemini } from './gemini-answer.js';
import type { InteractionCall } from './gemini-interactions-input.js';
import type { HostedFiles } from './hosted-files.js';
import type { SimModel } from './model-families.js';

type WireObject = Record<string, unknown>;

export interface InteractionAnswer {
  /** The Interaction as POST returns it: output steps only. */
  interaction: WireObject;
  /** The whole conversation including this answer, for a follow-up's previous_interaction_id. */
  conversation: Content[];
}

/** Opaque ids, as Google's are (the format is not documented). */
export function newInteractionId(): string {
  return randomBytes(18).toString('base64url');
}

/** ISO 8601 to the second (`YYYY-MM-DDThh:mm:ssZ`), the format the types document. */
export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The Gemini request the engine reads: the stored history, then this call's turns. */
export function generateRequest(call: InteractionCall, history: Content[]): GenerateContentRequest {
  const request: GenerateContentRequest = { contents: [...history, ...call.turns] };
  const imageConfig: Record<string, string> = {};
  if (call.aspectRatio !== undefined) imageConfig.aspectRatio = call.aspectRatio;
  if (call.imageSize !== undefined) imageConfig.imageSize = call.imageSize;
  request.generationConfig = { imageConfig };
  if (call.modalities) {
    request.generationConfig.responseModalities = call.modalities.map((modality) => modality.toUpperCase());
  }
  if (call.systemInstruction) request.systemInstruction = { parts: [{ text: call.systemInstruction }] };
  return request;
}

function contentBlock(part: Part): WireObject {
  if (part.inlineData) {
    return { type: 'image', mime_type: part.inlineData.mimeType, data: part.inlineData.data };
  }
  return { type: 'text', text: part.text ?? '' };
}

/** A thinking model's thought step (its signature) before the model_output step. */
function outputSteps(answer: GeminiAnswer): WireObject[] {
  const steps: WireObject[] = [];
  const signature = answer.parts[0]?.thoughtSignature;
  if (answer.thoughtsTokenCount !== undefined) {
    steps.push(signature ? { type: 'thought', signature } : { type: 'thought' });
  }
  steps.push({ type: 'model_output', content: answer.parts.map(contentBlock) });
  return steps;
}

function usageOf(answer: GeminiAnswer): WireObject {
  const output = answer.partTokens.reduce((sum, tokens) => sum + tokens, 0);
  const image = answer.imagePartIndex >= 0 ? answer.imageTokenCount : 0;
  const byModality = [];
  if (output - image > 0) byModality.push({ modality: 'text', tokens: output - image });
  if (answer.imagePartIndex >= 0) byModality.push({ modality: 'image', tokens: image });
  const thoughts = answer.thoughtsTokenCount ?? 0;
  const usage: WireObject = {
    total_input_tokens: answer.promptTokenCount,
    input_tokens_by_modality: answer.promptTokensDetails.map((detail) => ({
      modality: detail.modality.toLowerCase(),
      tokens: detail.tokenCount,
    })),
    total_output_tokens: output,
    output_tokens_by_modality: byModality,
    total_tokens: answer.promptTokenCount + output + thoughts,
  };
  if (answer.thoughtsTokenCount !== undefined) usage.total_thought_tokens = thoughts;
  return usage;
}

export interface AnswerInput {
  call: InteractionCall;
  history: Content[];
  model: SimModel;
  faults: ActiveFaults;
  hostedFiles: HostedFiles;
  imageBytes?: number;
}

/** Runs the model; throws the engine's GatewayError for a request it cannot read (a 4xx). */
export async function answerInteraction(input: AnswerInput): Promise<InteractionAnswer> {
  const { call, history } = input;
  const request = generateRequest(call, history);
  const answer = await answerGemini({
    model: input.model,
    modelName: call.model,
    request,
    faults: input.faults,
    hostedFiles: input.hostedFiles,
    imageBytes: input.imageBytes,
  });
  const now = isoSeconds();
  const interaction: WireObject = {
    id: newInteractionId(),
    status: 'completed',
    created: now,
    updated: now,
    ...call.echo,
    steps: outputSteps(answer),
    usage: usageOf(answer),
  };
  // Thought signatures stay out of the stored turns: the engine reads only text and images.
  const modelTurn: Content = {
    role: 'model',
    parts: answer.parts.map(({ thoughtSignature: _signature, ...part }) => part),
  };
  return { interaction, conversation: [...request.contents, modelTurn] };
}
