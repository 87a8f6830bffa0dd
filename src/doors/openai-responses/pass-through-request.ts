// What a Responses pass-through request asks of the image tool, read from the client's JSON: which
// catalog image model bills the tool (its `model`, else OpenAI's default, each served by its
// successor), the body each channel receives (only the tool's model renamed to the upstream's id),
// and the bounds of one image for the hold.
import type { ServerResponse } from 'node:http';
import { type RequestBounds, requestBounds } from '../../billing/worst-case.js';
import { attachOpenAiImageOptions } from '../../canonical/openai-image-options.js';
import type { GenerateContentRequest, Part, RequestSummary } from '../../canonical/types.js';
import type { ServedModel } from '../../catalog/served-model.js';
import { summarizeFor } from '../../pipeline/generation.js';
import type { RouteChannel } from '../../routing/channel.js';
import { type OpenAiRequestDeps, serveOpenAiModel } from '../openai-common/request-context.js';
import { defaultImageToolModel, renamedParam } from './image-model.js';
import { type ImageGenerationTool, parseImageGenerationTool } from './schema.js';
import { record } from '../../canonical/json-record.js';

export interface PassThroughImageTool {
  index: number;
  tool: ImageGenerationTool;
}

export interface PassThroughPlan {
  /** The catalog model the image tool is billed at (and the request log's model). */
  image: ServedModel;
  tool?: PassThroughImageTool;
  /** A canonical stand-in for the request: its text and images, the tool's options (bounds only). */
  request: GenerateContentRequest;
  summary: RequestSummary;
  /** Images the request may make: one with the image tool, none without. */
  images: number;
  bounds: RequestBounds;
}

/** The first image_generation tool; other tools go upstream unread. */
function imageToolOf(json: Record<string, unknown>): PassThroughImageTool | undefined {
  const tools = Array.isArray(json.tools) ? json.tools : [];
  const index = tools.findIndex((tool) => record(tool)?.type === 'image_generation');
  return index < 0 ? undefined : { index, tool: parseImageGenerationTool(tools[index], index) };
}

/** Every string and image of the input, as canonical parts: what the tool may be given to read. */
function partsOf(value: unknown, parts: Part[]): void {
  if (typeof value === 'string') {
    parts.push({ text: value });
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) partsOf(item, parts);
    return;
  }
  const entry = record(value);
  if (!entry) return;
  if (entry.type === 'input_image' || entry.type === 'image_generation_call') {
    // Counted at the image model's largest per-image input; the bytes are never read here.
    parts.push({ fileData: { fileUri: 'pass-through:image', mimeType: 'image/png' } });
    return;
  }
  for (const [key, field] of Object.entries(entry)) {
    if (key === 'type' || key === 'role' || key === 'id' || key === 'status' || key === 'detail') continue;
    partsOf(field, parts);
  }
}

function optionValue(value: string | undefined): string | undefined {
  return value === undefined || value === 'auto' ? undefined : value;
}

export function planPassThrough(
  gateway: OpenAiRequestDeps,
  json: Record<string, unknown>,
  stream: boolean,
  raw: ServerResponse,
): PassThroughPlan {
  const tool = imageToolOf(json);
  let image: ServedModel;
  try {
    image = serveOpenAiModel(gateway, tool?.tool.model ?? defaultImageToolModel, raw);
  } catch (error) {
    throw tool?.tool.model === undefined ? error : renamedParam(error, `tools[${tool.index}].model`);
  }
  const parts: Part[] = [];
  partsOf(json.instructions, parts);
  partsOf(json.input, parts);
  const request: GenerateContentRequest = { contents: [{ role: 'user', parts }] };
  if (tool) {
    attachOpenAiImageOptions(request, {
      size: optionValue(tool.tool.size),
      quality: optionValue(tool.tool.quality),
      partial_images: tool.tool.partial_images,
    });
  }
  const images = tool ? 1 : 0;
  const summary: RequestSummary = {
    ...summarizeFor(image.served, request),
    wantsImage: images > 0,
    mayReturnImage: images > 0,
    candidateCount: 1,
  };
  return {
    image,
    ...(tool ? { tool } : {}),
    request,
    summary,
    images,
    bounds: requestBounds(image.served, request, summary, stream),
  };
}

/** The tool's model as this channel's upstream calls the image model (its modelMap, else the catalog's OpenAI id). */
function upstreamImageModel(plan: PassThroughPlan, channel: RouteChannel): string {
  const model = plan.image.served;
  return channel.modelMap[model.id] ?? model.upstreamIds.openai ?? model.id;
}

/**
 * The client's JSON as `channel` receives it: unchanged but for the image tool's `model`, set to the
 * upstream id of the model it is billed at, so the upstream bills what the gateway prices.
 */
export function upstreamBody(
  json: Record<string, unknown>,
  plan: PassThroughPlan,
  channel: RouteChannel,
): string {
  const tool = plan.tool;
  if (!tool || !Array.isArray(json.tools)) return JSON.stringify(json);
  const tools = json.tools.map((entry, index) =>
    index === tool.index ? { ...record(entry), model: upstreamImageModel(plan, channel) } : entry,
  );
  return JSON.stringify({ ...json, tools });
}
