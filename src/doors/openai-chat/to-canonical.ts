// OpenAI chat completions → a canonical Gemini request: system/developer → systemInstruction,
// assistant → role `model`, image_url → inlineData (data:) or fileData (https), modalities, image_config.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { Content, GenerateContentRequest, GenerationConfig, Part } from '../../canonical/types.js';
import type { LazyDataUrls } from '../../canonical/data-urls.js';
import { imageUrlToPart } from '../openai-common/image-url-part.js';
import type { ChatCompletionsBody, ChatContentPart, ChatMessage } from './schema.js';

export interface ChatCanonicalRequest {
  request: GenerateContentRequest;
  /** Choices wanted; the gateway makes n upstream calls (image models allow one candidate). */
  n: number;
  stream: boolean;
  includeUsage: boolean;
}

/** OpenAI modality → Gemini responseModality; output order is TEXT then IMAGE, as the SDK sends. */
const modalityTable = { text: 'TEXT', image: 'IMAGE' } as const;
const modalityOrder = ['TEXT', 'IMAGE'];

function contentToParts(content: ChatMessage['content'], param: string, lazyDataUrls: LazyDataUrls): Part[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.map((part: ChatContentPart, index) =>
    part.type === 'text'
      ? { text: part.text }
      : imageUrlToPart(part.image_url.url, `${param}[${index}].image_url.url`, lazyDataUrls),
  );
}

function messageParts(message: ChatMessage, index: number, lazyDataUrls: LazyDataUrls): Part[] {
  const parts = contentToParts(message.content, `messages[${index}].content`, lazyDataUrls);
  (message.images ?? []).forEach((image, imageIndex) => {
    parts.push(
      imageUrlToPart(
        image.image_url.url,
        `messages[${index}].images[${imageIndex}].image_url.url`,
        lazyDataUrls,
      ),
    );
  });
  return parts;
}

/** `"2k"` → `"2K"` (Gemini rejects a lowercase k); other values pass for the catalog check. */
function normalizeImageSize(imageSize: string): string {
  return /^\d+k$/.test(imageSize) ? imageSize.toUpperCase() : imageSize;
}

function generationConfigFor(body: ChatCompletionsBody): GenerationConfig | undefined {
  const config: GenerationConfig = {};
  if (body.modalities) {
    const wanted = new Set<string>(body.modalities.map((modality) => modalityTable[modality]));
    config.responseModalities = modalityOrder.filter((modality) => wanted.has(modality));
  }
  if (body.image_config) {
    const imageConfig: Record<string, string> = {};
    if (body.image_config.aspect_ratio) imageConfig.aspectRatio = body.image_config.aspect_ratio;
    if (body.image_config.image_size)
      imageConfig.imageSize = normalizeImageSize(body.image_config.image_size);
    if (Object.keys(imageConfig).length > 0) config.imageConfig = imageConfig;
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (body.temperature != null) config.temperature = body.temperature;
  if (body.top_p != null) config.topP = body.top_p;
  if (body.seed != null) config.seed = body.seed;
  if (body.stop != null) config.stopSequences = typeof body.stop === 'string' ? [body.stop] : body.stop;
  return Object.keys(config).length > 0 ? config : undefined;
}

/** `lazyDataUrls`: stand-ins from standInForChatDataUrls, when the body was parsed from bytes. */
export function chatRequestToCanonical(
  body: ChatCompletionsBody,
  lazyDataUrls: LazyDataUrls = new Map(),
): ChatCanonicalRequest {
  const systemParts: Part[] = [];
  const contents: Content[] = [];
  body.messages.forEach((message, index) => {
    const parts = messageParts(message, index, lazyDataUrls);
    if (message.role === 'system' || message.role === 'developer') {
      systemParts.push(...parts);
      return;
    }
    if (parts.length === 0) return;
    contents.push({ role: message.role === 'assistant' ? 'model' : 'user', parts });
  });
  if (contents.length === 0) {
    throw errorCatalogue.INVALID_VALUE(
      'The request needs at least one user or assistant message with content.',
      'messages',
    );
  }
  const request: GenerateContentRequest = { contents };
  if (systemParts.length > 0) request.systemInstruction = { parts: systemParts };
  const generationConfig = generationConfigFor(body);
  if (generationConfig) request.generationConfig = generationConfig;
  return {
    request,
    n: body.n ?? 1,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
}
