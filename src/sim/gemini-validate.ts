// The checks Google makes before generating, with its messages (WIRE.md §1, §6): contents present,
// one candidate only, a known imageSize (uppercase K) and aspect ratio.

import type { GenerateContentRequest } from '../canonical/types.js';
import { type GoogleError, invalidArgument } from './gemini-errors.js';
import { type SimModel, hasImageSizes } from './model-families.js';
import { isRecord } from './normalize-request.js';

export function validateGenerateRequest(model: SimModel, body: unknown): GoogleError | undefined {
  if (!isRecord(body)) {
    return invalidArgument('Invalid JSON payload received. Expected an object.');
  }
  const request = body as GenerateContentRequest;
  if (!Array.isArray(request.contents) || request.contents.length === 0) {
    return invalidArgument('* GenerateContentRequest.contents: contents is not specified\n', [
      { field: 'contents', description: 'contents is not specified' },
    ]);
  }
  const config = request.generationConfig;
  if (config !== undefined && !isRecord(config)) {
    return invalidArgument(
      `Invalid JSON payload received. Unknown name "generation_config": Proto field is not repeating, cannot start list.`,
    );
  }
  const candidateCount = config?.candidateCount;
  if (typeof candidateCount === 'number' && candidateCount > 1) {
    return invalidArgument(`Multiple candidates is not enabled for models/${model.name}`);
  }
  const imageConfig = config?.imageConfig;
  const imageSize = imageConfig?.imageSize;
  if (imageSize !== undefined && hasImageSizes(model)) {
    const allowed = Object.keys(model.imageTokens);
    if (typeof imageSize !== 'string' || !allowed.includes(imageSize)) {
      return invalidArgument(
        `Invalid image size ${JSON.stringify(imageSize)} for models/${model.name}. Supported values are: ${allowed.join(', ')}.`,
        [
          {
            field: 'generation_config.image_config.image_size',
            description: `must be one of ${allowed.join(', ')}`,
          },
        ],
      );
    }
  }
  const aspectRatio = imageConfig?.aspectRatio;
  if (
    aspectRatio !== undefined &&
    (typeof aspectRatio !== 'string' || !model.aspectRatios.includes(aspectRatio))
  ) {
    return invalidArgument(
      `Invalid aspect ratio ${JSON.stringify(aspectRatio)} for models/${model.name}. Supported values are: ${model.aspectRatios.join(', ')}.`,
      [
        {
          field: 'generation_config.image_config.aspect_ratio',
          description: `must be one of ${model.aspectRatios.join(', ')}`,
        },
      ],
    );
  }
  return undefined;
}

/** Google's message for unparsable JSON, with the line where parsing stopped. */
export function invalidJsonPayload(raw: string, parseError: unknown): GoogleError {
  const position = /position (\d+)/.exec(String(parseError))?.[1];
  const offset = position === undefined ? 0 : Number(position);
  const snippet = raw.slice(Math.max(0, offset - 20), offset + 20).replace(/\s+/g, ' ');
  return invalidArgument(`Invalid JSON payload received. Unexpected token.\n${snippet}\n^`);
}
