// Zod schema for `POST /v1/chat/completions` as image-output routers speak it (WIRE §10):
// string or parts content, `modalities`, `image_config`, prior assistant `images`.
import { z } from 'zod';
import { parseOrThrow } from '../openai-images/schema.js';

const imageUrlPart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
export const contentPartSchema = z.discriminatedUnion('type', [textPart, imageUrlPart]);
export type ChatContentPart = z.infer<typeof contentPartSchema>;

const content = z
  .union([z.string(), z.array(contentPartSchema)])
  .nullable()
  .optional();

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content,
  name: z.string().optional(),
  /** A previous assistant reply's images (sent back on the next turn). */
  images: z.array(imageUrlPart).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatModalityValues = ['text', 'image'] as const;

export const chatCompletionsBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  modalities: z.array(z.enum(chatModalityValues)).min(1).optional(),
  image_config: z
    .looseObject({ aspect_ratio: z.string().min(1).optional(), image_size: z.string().min(1).optional() })
    .optional(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(10).optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(5)])
    .nullable()
    .optional(),
  user: z.string().optional(),
});
export type ChatCompletionsBody = z.infer<typeof chatCompletionsBodySchema>;

export function parseChatCompletionsBody(input: unknown): ChatCompletionsBody {
  return parseOrThrow(chatCompletionsBodySchema, input);
}
