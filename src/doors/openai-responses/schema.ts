// Zod schema for `POST /v1/responses` as the `openai` SDK 6.x sends it (ResponseCreateParams): the
// input as a string or items, the `image_generation` tool, `store`, `previous_response_id`.
import { z } from 'zod';
import {
  backgroundValues,
  issueToBadRequest,
  outputFormatValues,
  parseOrThrow,
  sizeField,
} from '../openai-images/schema.js';

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullable().optional(),
  file_id: z.string().min(1).nullable().optional(),
  detail: z.enum(['auto', 'low', 'high', 'original']).optional(),
});
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const inputFile = z.looseObject({ type: z.literal('input_file') });

export const contentPartSchema = z.discriminatedUnion('type', [
  inputText,
  inputImage,
  outputText,
  refusal,
  inputFile,
]);
export type ResponsesContentPart = z.infer<typeof contentPartSchema>;

const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPartSchema)]),
});
export type ResponsesMessageItem = z.infer<typeof messageItem>;

/** An earlier answer's image, sent back as the SDK's `ResponseOutputItem.ImageGenerationCall`. */
const imageGenerationCallItem = z.looseObject({
  type: z.literal('image_generation_call'),
  id: z.string().optional(),
  result: z.string().nullable(),
  status: z.string().optional(),
});

/** Any other item type (function calls, references, reasoning): named in the 400. */
const otherItem = z.looseObject({ type: z.string() });

export const inputItemSchema = z.union([messageItem, imageGenerationCallItem, otherItem]);
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;

export const imageGenerationToolSchema = z.looseObject({
  type: z.literal('image_generation'),
  model: z.string().min(1).optional(),
  action: z.enum(['auto', 'generate', 'edit']).optional(),
  size: sizeField.optional(),
  quality: z.enum(['auto', 'low', 'medium', 'high']).optional(),
  background: z.enum(backgroundValues).optional(),
  output_format: z.enum(outputFormatValues).optional(),
  output_compression: z.number().int().min(0).max(100).optional(),
  partial_images: z.number().int().min(0).max(3).optional(),
  input_fidelity: z.enum(['high', 'low']).nullable().optional(),
  moderation: z.enum(['auto', 'low']).optional(),
  input_image_mask: z
    .looseObject({ image_url: z.string().min(1).optional(), file_id: z.string().min(1).optional() })
    .optional(),
});
export type ImageGenerationTool = z.infer<typeof imageGenerationToolSchema>;

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.looseObject({ type: z.string() }),
  z.looseObject({ mode: z.enum(['auto', 'required']), type: z.literal('allowed_tools') }),
]);
export type ResponsesToolChoice = z.infer<typeof toolChoice>;

/**
 * Ids this door makes are `resp_` and hex; anything else can never be found. It is refused up front
 * so a long or hostile id is neither looked up nor echoed back in the 404.
 */
const responseIdPattern = /^resp_[A-Za-z0-9_-]{1,123}$/;
const responseId = z.string().refine((value) => responseIdPattern.test(value), {
  error: "expected a response id: 'resp_' then up to 123 letters, digits, '_' or '-'",
});

/** OpenAI's metadata limits: 16 pairs, keys up to 64 characters, values up to 512. */
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, { error: 'at most 16 key-value pairs' });

export const responsesBodySchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: z.string().nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
  tool_choice: toolChoice.optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: responseId.nullable().optional(),
  metadata: metadata.nullable().optional(),
  stream: z.boolean().nullable().optional(),
  background: z.boolean().nullable().optional(),
  conversation: z.unknown().optional(),
  max_output_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  user: z.string().optional(),
});
export type ResponsesBody = z.infer<typeof responsesBodySchema>;

export function parseResponsesBody(input: unknown): ResponsesBody {
  return parseOrThrow(responsesBodySchema, input);
}

/** The image tool's options, checked with `param` naming the field under `tools[index]`. */
export function parseImageGenerationTool(input: unknown, index: number): ImageGenerationTool {
  const result = imageGenerationToolSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ ...issue, path: ['tools', index, ...issue.path] }));
  throw issueToBadRequest(new z.ZodError(issues));
}

/** `GET /v1/responses/{id}/input_items` query: the cursor page OpenAI documents. */
const inputItemsQuerySchema = z.looseObject({
  order: z.enum(['asc', 'desc']).optional(),
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export function parseInputItemsQuery(input: unknown): z.infer<typeof inputItemsQuerySchema> {
  return parseOrThrow(inputItemsQuerySchema, input ?? {});
}
