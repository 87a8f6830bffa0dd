// Canonical answers → OpenAI's Response object: each final image an `image_generation_call` item,
// the answer's text one assistant `message`, `usage` and `tool_usage.image_gen` from usageMetadata.
import { withImageField } from '../../canonical/json-with-images.js';
import { reportedQuality } from '../../canonical/openai-size-mapping.js';
import type { GenerateContentResponse, UsageMetadata } from '../../canonical/types.js';
import type { GeneratedImage } from '../openai-images/from-canonical.js';
import { type ImagesUsage, imagesUsageFromMetadata } from '../openai-images/usage.js';
import type { ResponsesBody } from './schema.js';
import type { ResponsesImageOptions } from './to-canonical.js';

export interface ImageGenerationCallItem {
  id: string;
  type: 'image_generation_call';
  status: 'in_progress' | 'generating' | 'completed' | 'failed';
  result: string | null;
  revised_prompt?: string;
  action?: 'generate' | 'edit';
  background?: 'transparent' | 'opaque';
  output_format?: string;
  quality?: 'low' | 'medium' | 'high';
  size?: string;
}

export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface MessageItem {
  id: string;
  type: 'message';
  role: 'assistant';
  status: 'in_progress' | 'completed';
  content: OutputTextPart[];
}

export type OutputItem = ImageGenerationCallItem | MessageItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'in_progress' | 'completed' | 'failed' | 'incomplete';
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: null; summary: null };
  store: boolean;
  temperature: number;
  text: { format: { type: 'text' } };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  tool_usage?: { image_gen: ImagesUsage };
  user: string | null;
  metadata: Record<string, string>;
}

/** What the reply states about the request itself. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
  body: ResponsesBody;
  store: boolean;
}

/** The Response before any output: `response.created` carries it with status `in_progress`. */
export function responseShell(meta: ResponseMeta): ResponseObject {
  const { body } = meta;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: meta.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: meta.store,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** The image call item as first announced, before its image exists. */
export function pendingImageCall(id: string): ImageGenerationCallItem {
  return { id, type: 'image_generation_call', status: 'in_progress', result: null };
}

/** A finished image call; `image` already in the requested format. */
export function completedImageCall(
  id: string,
  image: GeneratedImage,
  options: ResponsesImageOptions,
  prompt: string,
  edited: boolean,
): ImageGenerationCallItem {
  const item: ImageGenerationCallItem = {
    id,
    type: 'image_generation_call',
    status: 'completed',
    result: '',
  };
  // The base64 is read from the upstream answer's bytes when the reply is written.
  withImageField(item, 'result', '', image);
  if (prompt) item.revised_prompt = prompt;
  item.action = edited ? 'edit' : 'generate';
  item.background = options.background === 'transparent' ? 'transparent' : 'opaque';
  item.output_format = options.format;
  item.quality = reportedQuality(options.quality, options.imageSize);
  item.size = image.width && image.height ? `${image.width}x${image.height}` : options.size;
  return item;
}

export function messageItem(id: string, text: string): MessageItem {
  return {
    id,
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

/** The answer's own words (non-thought text), joined. */
export function answerText(responses: readonly GenerateContentResponse[]): string {
  return responses
    .flatMap((response) => response.candidates ?? [])
    .flatMap((candidate) => candidate.content?.parts ?? [])
    .filter((part) => part.thought !== true && typeof part.text === 'string')
    .map((part) => part.text)
    .join('')
    .trim();
}

/** Gemini usageMetadata → Responses `usage`; the image model is the only model that ran. */
export function responsesUsage(usage: UsageMetadata | undefined): ResponsesUsage {
  const images = imagesUsageFromMetadata(usage);
  return {
    input_tokens: images.input_tokens,
    input_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    output_tokens: images.output_tokens,
    output_tokens_details: { reasoning_tokens: usage?.thoughtsTokenCount ?? 0 },
    total_tokens: images.total_tokens,
  };
}

/** The completed Response: output items in order, usage, and the image tool's own usage. */
export function completedResponse(
  meta: ResponseMeta,
  output: OutputItem[],
  usage: UsageMetadata | undefined,
  imageTool: boolean,
): ResponseObject {
  const response = responseShell(meta);
  response.status = 'completed';
  response.output = output;
  response.usage = responsesUsage(usage);
  if (imageTool) response.tool_usage = { image_gen: imagesUsageFromMetadata(usage) };
  return response;
}

/** Output item ids: the response's own hex, so a log line leads from an item to its request. */
export function itemId(prefix: 'ig' | 'msg', responseId: string, index: number): string {
  return `${prefix}_${responseId.slice('resp_'.length)}${index.toString(16).padStart(2, '0')}`;
}
