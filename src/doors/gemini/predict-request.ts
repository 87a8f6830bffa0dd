// Imagen's `:predict` body → one canonical Gemini image request, the number of parallel calls
// (`sampleCount`) and the output encoding. Imagen's knobs that a Gemini image model cannot honour
// are refused with a 400 naming the field, never dropped. Pure. Mapping table: docs/gemini-paths.md.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GenerateContentRequest, ImageConfig } from '../../canonical/types.js';
import { isRecord } from '../../canonical/json-record.js';

export type PredictImageFormat = 'png' | 'jpeg';

export interface PredictCanonicalRequest {
  request: GenerateContentRequest;
  /** Parallel calls, each billed alone (Imagen's sampleCount, 1–4). */
  count: number;
  format: PredictImageFormat;
  /** JPEG quality 0–100 (Imagen's default 75). */
  compression?: number;
}

/** Imagen's documented output types (outputOptions.mimeType). */
const formatOfMime: Readonly<Record<string, PredictImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
};

/** Imagen's personGeneration values; `dont_allow` has no Gemini equivalent and is refused below. */
const personGenerationValues = ['dont_allow', 'allow_adult', 'allow_all'];

/** Canonical field paths the capability checks report → the Imagen body's own names. */
export const predictParamNames: Readonly<Record<string, string>> = {
  'generationConfig.imageConfig.aspectRatio': 'parameters.aspectRatio',
  'generationConfig.imageConfig.imageSize': 'parameters.sampleImageSize',
  contents: 'instances[0].prompt',
};

const knownParameters = new Set([
  'sampleCount',
  'aspectRatio',
  'outputOptions',
  'personGeneration',
  'negativePrompt',
  'seed',
  'addWatermark',
  'enhancePrompt',
  'sampleImageSize',
  'includeRaiReason',
  'includeSafetyAttributes',
  'imageSize',
]);

function invalid(field: string, message: string) {
  return errorCatalogue.INVALID_VALUE(`Invalid value at '${field}': ${message}`, field);
}

function promptOf(body: Record<string, unknown>): string {
  const instances = body.instances;
  if (!Array.isArray(instances) || instances.length === 0)
    throw invalid('instances', 'expected a list with one {"prompt": "…"} instance.');
  if (instances.length > 1)
    throw invalid('instances', 'send one instance per request; use parameters.sampleCount for more images.');
  const instance = instances[0];
  if (!isRecord(instance)) throw invalid('instances[0]', 'expected an object with "prompt".');
  for (const key of Object.keys(instance)) {
    if (key !== 'prompt')
      throw invalid(`instances[0].${key}`, 'only "prompt" is supported (no reference or mask images).');
  }
  if (typeof instance.prompt !== 'string' || instance.prompt.trim() === '')
    throw invalid('instances[0].prompt', 'expected a non-empty string.');
  return instance.prompt;
}

function sampleCountOf(value: unknown): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 4)
    throw invalid(
      'parameters.sampleCount',
      `expected a whole number from 1 to 4, got ${JSON.stringify(value)}.`,
    );
  return value as number;
}

function outputOf(value: unknown): Pick<PredictCanonicalRequest, 'format' | 'compression'> {
  if (value === undefined) return { format: 'png' };
  if (!isRecord(value)) throw invalid('parameters.outputOptions', 'expected an object.');
  const mime = value.mimeType ?? 'image/png';
  const format = typeof mime === 'string' ? formatOfMime[mime] : undefined;
  if (!format)
    throw invalid(
      'parameters.outputOptions.mimeType',
      `expected one of ${Object.keys(formatOfMime).join(', ')}, got ${JSON.stringify(mime)}.`,
    );
  const quality = value.compressionQuality;
  if (quality === undefined) return format === 'jpeg' ? { format, compression: 75 } : { format };
  if (!Number.isInteger(quality) || (quality as number) < 0 || (quality as number) > 100)
    throw invalid('parameters.outputOptions.compressionQuality', 'expected a whole number from 0 to 100.');
  return { format, compression: quality as number };
}

/** Parameters Imagen takes that a Gemini image model serves with no change, or cannot serve at all. */
function checkUnservable(parameters: Record<string, unknown>): void {
  for (const key of Object.keys(parameters)) {
    if (!knownParameters.has(key))
      throw invalid(
        `parameters.${key}`,
        `not an Imagen parameter this gateway serves (${[...knownParameters].join(', ')}).`,
      );
  }
  if (parameters.negativePrompt !== undefined)
    throw invalid(
      'parameters.negativePrompt',
      'Gemini image models take no negative prompt; say what to avoid in the prompt.',
    );
  const person = parameters.personGeneration;
  if (person !== undefined && (typeof person !== 'string' || !personGenerationValues.includes(person)))
    throw invalid('parameters.personGeneration', `expected one of ${personGenerationValues.join(', ')}.`);
  if (person === 'dont_allow')
    throw invalid(
      'parameters.personGeneration',
      '"dont_allow" cannot be enforced by the Gemini image model serving this id; omit it or send allow_adult.',
    );
  if (parameters.addWatermark === false)
    throw invalid(
      'parameters.addWatermark',
      'Gemini image models always add a SynthID watermark; omit it or send true.',
    );
  for (const flag of ['addWatermark', 'enhancePrompt', 'includeRaiReason', 'includeSafetyAttributes']) {
    if (parameters[flag] !== undefined && typeof parameters[flag] !== 'boolean')
      throw invalid(`parameters.${flag}`, 'expected true or false.');
  }
}

export function predictRequestToCanonical(body: unknown): PredictCanonicalRequest {
  if (!isRecord(body))
    throw errorCatalogue.INVALID_VALUE(
      'Invalid JSON payload received. Expected {"instances": [{"prompt": "…"}]}.',
    );
  const prompt = promptOf(body);
  const parameters = body.parameters ?? {};
  if (!isRecord(parameters)) throw invalid('parameters', 'expected an object.');
  checkUnservable(parameters);
  const imageConfig: ImageConfig = {};
  if (parameters.aspectRatio !== undefined) {
    if (typeof parameters.aspectRatio !== 'string')
      throw invalid('parameters.aspectRatio', 'expected a ratio like "16:9".');
    imageConfig.aspectRatio = parameters.aspectRatio;
  }
  // Imagen 4 names the output size sampleImageSize (its SDKs say imageSize): Gemini's imageSize.
  const size = parameters.sampleImageSize ?? parameters.imageSize;
  if (size !== undefined) {
    const field =
      parameters.sampleImageSize !== undefined ? 'parameters.sampleImageSize' : 'parameters.imageSize';
    if (typeof size !== 'string') throw invalid(field, 'expected a size such as "1K" or "2K".');
    imageConfig.imageSize = size;
  }
  const seed = parameters.seed;
  if (seed !== undefined && !Number.isInteger(seed))
    throw invalid('parameters.seed', 'expected a whole number.');
  const request: GenerateContentRequest = {
    contents: [{ role: 'user', parts: [{ text: prompt }] }],
    generationConfig: {
      responseModalities: ['IMAGE'],
      ...(Object.keys(imageConfig).length > 0 ? { imageConfig } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
  };
  return { request, count: sampleCountOf(parameters.sampleCount), ...outputOf(parameters.outputOptions) };
}
