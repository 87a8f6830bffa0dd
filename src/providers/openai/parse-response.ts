// An OpenAI Images reply (or stream event) → canonical GenerateContentResponse: one candidate per
// `data[]` item with inlineData, usage in Gemini's modality details, errors as GatewayError.
import { z } from 'zod';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { Candidate, GenerateContentResponse, Part, UsageMetadata } from '../../canonical/types.js';
import { imageMimeFromBytes } from '../../canonical/sniff-mime.js';
import { openAiErrorToGatewayError } from './errors.js';
import { finishReasonForImageItem } from './map-finish-reason.js';

const usageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  input_tokens_details: z
    .looseObject({ text_tokens: z.number().optional(), image_tokens: z.number().optional() })
    .optional(),
  output_tokens: z.number().optional(),
  output_tokens_details: z
    .looseObject({ image_tokens: z.number().optional(), text_tokens: z.number().optional() })
    .optional(),
  total_tokens: z.number().optional(),
});
export type OpenAiImagesUsage = z.infer<typeof usageSchema>;

const imageItemSchema = z.looseObject({
  b64_json: z.string().nullish(),
  url: z.string().nullish(),
  revised_prompt: z.string().nullish(),
});

const imagesResponseSchema = z.looseObject({
  created: z.number().optional(),
  output_format: z.string().optional(),
  data: z.array(imageItemSchema).optional(),
  usage: usageSchema.optional(),
});

const streamEventSchema = z.looseObject({
  type: z.string(),
  b64_json: z.string().optional(),
  partial_image_index: z.number().optional(),
  output_format: z.string().optional(),
  usage: usageSchema.optional(),
});

export interface ParseResponseOptions {
  /** The channel named in errors the upstream reports inside an answer. */
  channelName?: string;
  /** Reported as `modelVersion` (the upstream model name). */
  modelVersion: string;
  responseId?: string;
}

function malformed(detail: string): GatewayError {
  return errorCatalogue.UPSTREAM_MALFORMED(
    `The OpenAI upstream sent a reply this gateway cannot read (${detail}). Retry; another channel may answer.`,
  );
}

/** input text/image → promptTokensDetails; output image/text → candidatesTokensDetails. */
export function usageMetadataFromOpenAi(usage: OpenAiImagesUsage | undefined): UsageMetadata | undefined {
  if (!usage) return undefined;
  const inputTokens = usage.input_tokens ?? 0;
  const outputTokens = usage.output_tokens ?? 0;
  const inputImage = usage.input_tokens_details?.image_tokens ?? 0;
  const inputText = usage.input_tokens_details?.text_tokens ?? inputTokens - inputImage;
  const outputImage = usage.output_tokens_details?.image_tokens ?? outputTokens;
  const outputText = usage.output_tokens_details?.text_tokens ?? outputTokens - outputImage;
  const metadata: UsageMetadata = {
    promptTokenCount: inputTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: usage.total_tokens ?? inputTokens + outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: inputText }],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: outputImage }],
  };
  if (inputImage > 0) metadata.promptTokensDetails!.push({ modality: 'IMAGE', tokenCount: inputImage });
  if (outputText > 0) metadata.candidatesTokensDetails!.push({ modality: 'TEXT', tokenCount: outputText });
  return metadata;
}

function imagePart(b64Json: string, outputFormat: string | undefined): Part {
  const sniffed = imageMimeFromBytes(Buffer.from(b64Json.slice(0, 64), 'base64'));
  return { inlineData: { mimeType: sniffed ?? `image/${outputFormat ?? 'png'}`, data: b64Json } };
}

function withIdentity(
  response: GenerateContentResponse,
  options: ParseResponseOptions,
): GenerateContentResponse {
  response.modelVersion = options.modelVersion;
  if (options.responseId) response.responseId = options.responseId;
  return response;
}

/** A successful `/v1/images/*` JSON body → canonical; an `{"error":…}` body throws its GatewayError. */
export function parseOpenAiImagesResponse(
  body: unknown,
  options: ParseResponseOptions,
): GenerateContentResponse {
  if (body && typeof body === 'object' && 'error' in body)
    throw openAiErrorToGatewayError(options.channelName ?? 'openai', 200, body);
  const parsed = imagesResponseSchema.safeParse(body);
  if (!parsed.success) throw malformed(parsed.error.issues[0]?.message ?? 'not an images response');
  const candidates: Candidate[] = (parsed.data.data ?? []).map((item, index) => {
    const parts: Part[] = [];
    if (item.revised_prompt) parts.push({ text: item.revised_prompt });
    if (item.b64_json) parts.push(imagePart(item.b64_json, parsed.data.output_format));
    else if (item.url) parts.push({ fileData: { fileUri: item.url } });
    return { content: { role: 'model', parts }, finishReason: finishReasonForImageItem(item), index };
  });
  if (candidates.length === 0)
    candidates.push({ content: { role: 'model', parts: [] }, finishReason: 'NO_IMAGE', index: 0 });
  const response: GenerateContentResponse = { candidates };
  const usageMetadata = usageMetadataFromOpenAi(parsed.data.usage);
  if (usageMetadata) response.usageMetadata = usageMetadata;
  return withIdentity(response, options);
}

/**
 * One `image_generation.*` / `image_edit.*` stream event → a canonical stream chunk. Partial
 * images become `thought: true` image parts (Gemini's interim images); `completed` ends with STOP.
 */
export function parseOpenAiImagesStreamEvent(
  event: unknown,
  options: ParseResponseOptions,
): GenerateContentResponse {
  if (event && typeof event === 'object' && 'error' in event)
    throw openAiErrorToGatewayError(options.channelName ?? 'openai', 200, event);
  const parsed = streamEventSchema.safeParse(event);
  if (!parsed.success || !parsed.data.b64_json) throw malformed(`unexpected stream event`);
  const part = imagePart(parsed.data.b64_json, parsed.data.output_format);
  if (parsed.data.type.endsWith('.partial_image')) {
    return withIdentity(
      { candidates: [{ content: { role: 'model', parts: [{ ...part, thought: true }] }, index: 0 }] },
      options,
    );
  }
  if (!parsed.data.type.endsWith('.completed')) throw malformed('an unknown event type');
  const response: GenerateContentResponse = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
  };
  const usageMetadata = usageMetadataFromOpenAi(parsed.data.usage);
  if (usageMetadata) response.usageMetadata = usageMetadata;
  return withIdentity(response, options);
}
