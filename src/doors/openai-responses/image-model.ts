// Which image model serves a Responses request (docs/openai-mapping.md): the image tool's `model`,
// else the top-level `model` when it is a catalog image model, else OpenAI's tool default.
import type { ServerResponse } from 'node:http';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { GatewayError } from '../../canonical/errors.js';
import type { ServedModel } from '../../catalog/served-model.js';
import { type OpenAiRequestDeps, serveOpenAiModel } from '../openai-common/request-context.js';
import { parseImageGenerationTool, type ResponsesBody } from './schema.js';
import type { ImageToolAt } from './to-canonical.js';

export type ResponsesModelDeps = OpenAiRequestDeps;

/** OpenAI's default for the image tool (ResponseCreateParams, Tool.ImageGeneration.model). */
export const defaultImageToolModel = 'gpt-image-1';

export interface ImageModelChoice {
  served: ServedModel;
  tool?: ImageToolAt;
}

/** The one image_generation tool; any other tool type is a 400 naming it. */
export function imageToolOf(body: ResponsesBody): ImageToolAt | undefined {
  let found: ImageToolAt | undefined;
  (body.tools ?? []).forEach((tool, index) => {
    if (tool.type !== 'image_generation') {
      throw errorCatalogue.UNSUPPORTED_VALUE(
        `Tool type '${tool.type}' is not supported by this image gateway; it serves the 'image_generation' tool.`,
        `tools[${index}].type`,
      );
    }
    if (found) {
      throw errorCatalogue.INVALID_VALUE(
        `Only one image_generation tool may be given (tools[${found.index}] is one already).`,
        `tools[${index}]`,
      );
    }
    found = { tool: parseImageGenerationTool(tool, index), index };
  });
  return found;
}

/** The error naming `param` instead of `model` (the tool's model is `tools[i].model`). */
export function renamedParam(error: unknown, param: string): unknown {
  return error instanceof GatewayError && error.param === 'model' ? error.withParam(param) : error;
}

export function chooseImageModel(
  gateway: ResponsesModelDeps,
  body: ResponsesBody,
  raw: ServerResponse,
): ImageModelChoice {
  const tool = imageToolOf(body);
  const withTool = (served: ServedModel): ImageModelChoice => (tool ? { served, tool } : { served });
  if (tool?.tool.model !== undefined) {
    try {
      return withTool(serveOpenAiModel(gateway, tool.tool.model, raw));
    } catch (error) {
      throw renamedParam(error, `tools[${tool.index}].model`);
    }
  }
  if (body.model === undefined || gateway.catalog.resolve(body.model)) {
    return withTool(serveOpenAiModel(gateway, body.model, raw));
  }
  // A model this gateway does not know (a text model) with the image tool: the tool's own default.
  if (tool) return withTool(serveOpenAiModel(gateway, defaultImageToolModel, raw));
  return withTool(serveOpenAiModel(gateway, body.model, raw));
}
