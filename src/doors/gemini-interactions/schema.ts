// Zod schema for `POST /v1beta/interactions` as `@google/genai` 2.x sends it (CreateModelInteraction):
// snake_case fields, `input` as a string, content blocks, steps or (older clients) role turns.
import { z } from 'zod';
import { parseOrThrow } from '../openai-images/schema.js';

const textContent = z.looseObject({ type: z.literal('text'), text: z.string() });
const imageContent = z.looseObject({
  type: z.literal('image'),
  data: z.string().min(1).optional(),
  mime_type: z.string().min(1).optional(),
  uri: z.string().min(1).optional(),
  resolution: z.string().optional(),
});
/** Audio, documents, video: named in the 400 (image models take text and images). */
const otherContent = z.looseObject({ type: z.string() });

export const contentSchema = z.union([textContent, imageContent, otherContent]);
export type InteractionContent = z.infer<typeof contentSchema>;

const contentList = z.union([z.string(), z.array(contentSchema)]);

/** A step of a conversation sent whole (`user_input`, `model_output`, `thought`, tool steps). */
const stepSchema = z.looseObject({ type: z.string(), content: contentList.optional() });
/** The turns of the schema before May 2026: `{role, content}`. */
const turnSchema = z.looseObject({ role: z.string(), content: contentList });

export const inputSchema = z.union([
  z.string(),
  z.array(z.union([turnSchema, stepSchema, contentSchema])),
  contentSchema,
]);

const imageConfig = z.looseObject({
  aspect_ratio: z.string().min(1).optional(),
  image_size: z.string().min(1).optional(),
});

export const responseFormatSchema = z.looseObject({
  type: z.string(),
  aspect_ratio: z.string().min(1).optional(),
  image_size: z.string().min(1).optional(),
  mime_type: z.string().min(1).optional(),
  delivery: z.string().optional(),
});
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

export const interactionBodySchema = z.looseObject({
  model: z.string().min(1),
  agent: z.unknown().optional(),
  input: inputSchema.optional(),
  system_instruction: z.string().optional(),
  generation_config: z
    .looseObject({
      image_config: imageConfig.optional(),
      max_output_tokens: z.number().int().min(1).optional(),
      seed: z.number().int().optional(),
      stop_sequences: z.array(z.string()).optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().min(0).max(1).optional(),
      thinking_level: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
    })
    .optional(),
  response_format: z.union([responseFormatSchema, z.array(responseFormatSchema)]).optional(),
  response_modalities: z.array(z.string()).optional(),
  safety_settings: z.array(z.looseObject({ category: z.string(), threshold: z.string() })).optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  store: z.boolean().optional(),
  stream: z.boolean().optional(),
  background: z.boolean().optional(),
  previous_interaction_id: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type InteractionBody = z.infer<typeof interactionBodySchema>;

export function parseInteractionBody(input: unknown): InteractionBody {
  return parseOrThrow(interactionBodySchema, input);
}
