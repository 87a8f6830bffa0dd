// Shared fixtures of the Responses translation tests: images, two catalog-like models, and a
// translate() that parses the body and finds the image tool as the door does.
import type { Content } from '../../../src/canonical/types.js';
import { parseImageGenerationTool, parseResponsesBody } from '../../../src/doors/openai-responses/schema.js';
import {
  type ResponsesCanonicalContext,
  responsesRequestToCanonical,
} from '../../../src/doors/openai-responses/to-canonical.js';

// A 1×1 PNG: the signature is enough for the MIME sniffing of earlier results.
export const pngBase64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
export const pngDataUrl = `data:image/png;base64,${pngBase64}`;

export const gemini: ResponsesCanonicalContext['model'] = {
  family: 'gemini',
  id: 'gemini-3.1-flash-image',
  capabilities: {
    aspectRatios: ['1:1', '2:3', '3:2', '16:9', '9:16'],
    imageSizes: ['1K', '2K', '4K'],
    defaultImageSize: '1K',
  },
};
export const gptImage: ResponsesCanonicalContext['model'] = {
  family: 'openai',
  id: 'gpt-image-2',
  capabilities: { aspectRatios: ['1:1', '2:3', '3:2'], imageSizes: ['1K'], defaultImageSize: '1K' },
};

export function translate(
  body: Record<string, unknown>,
  options: { history?: Content[]; model?: ResponsesCanonicalContext['model']; stream?: boolean } = {},
) {
  const parsed = parseResponsesBody(body);
  const tools = (parsed.tools ?? []) as unknown[];
  const index = tools.findIndex((tool) => (tool as { type: string }).type === 'image_generation');
  const context: ResponsesCanonicalContext = {
    history: options.history ?? [],
    model: options.model ?? gemini,
    stream: options.stream ?? false,
  };
  if (index >= 0) context.tool = { tool: parseImageGenerationTool(tools[index], index), index };
  return responsesRequestToCanonical(parsed, context);
}

export const tool = { type: 'image_generation' };
