// Gemini accepts proto3 JSON in camelCase or snake_case; the canonical form is camelCase. Keys inside
// user-defined maps (function args, JSON schemas, labels) are left exactly as sent. Pure.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { copyImageData, imageDataLength, imageDataSlice } from '../../canonical/skip-image-strings.js';
import type { GenerateContentRequest } from '../../canonical/types.js';
import { isRecord } from '../../canonical/json-record.js';

/** Values under these keys are user data, not API fields: copied untouched. */
const opaqueKeys = new Set([
  'args',
  'response',
  'responseJsonSchema',
  'parametersJsonSchema',
  'labels',
  'metadata',
]);
/** Under these keys the child names are user-chosen, but each child is still API-shaped. */
const userNamedMaps = new Set(['properties']);

export function snakeToCamel(name: string): string {
  return name.includes('_')
    ? name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
    : name;
}

/** Set when camelize renamed at least one key (the canonical form then differs from the bytes sent). */
interface CamelizeState {
  renamed: boolean;
}

function camelize(value: unknown, depth: number, state: CamelizeState = { renamed: false }): unknown {
  if (depth > 64)
    throw errorCatalogue.INVALID_VALUE(
      'Invalid JSON payload received. The request nests deeper than 64 levels.',
    );
  if (Array.isArray(value)) return value.map((item) => camelize(item, depth + 1, state));
  if (value === null || typeof value !== 'object') return value;
  const output: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // An image string still undecoded (skip-image-strings.ts) is carried over as it is.
    if (key === 'data' && copyImageData(value, output)) continue;
    const child = (value as Record<string, unknown>)[key];
    const name = snakeToCamel(key);
    if (name !== key) state.renamed = true;
    if (opaqueKeys.has(name)) output[name] = child;
    else if (userNamedMaps.has(name) && child && typeof child === 'object' && !Array.isArray(child)) {
      output[name] = Object.fromEntries(
        Object.entries(child as Record<string, unknown>).map(([field, schema]) => [
          field,
          camelize(schema, depth + 2, state),
        ]),
      );
    } else output[name] = camelize(child, depth + 1, state);
  }
  return output;
}

/** Turns a parsed body into the canonical request, or a 400 naming what is wrong. */
export function normalizeGeminiRequest(body: unknown): GenerateContentRequest {
  return normalizeGeminiRequestTracked(body).request;
}

/**
 * Like normalizeGeminiRequest, and also says whether any key was renamed: when none was, the bytes
 * the client sent already are the canonical request and a native upstream can receive them as-is.
 */
export function normalizeGeminiRequestTracked(body: unknown): {
  request: GenerateContentRequest;
  renamed: boolean;
} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errorCatalogue.INVALID_VALUE(
      'Invalid JSON payload received. Expected a JSON object with "contents".',
    );
  }
  const state: CamelizeState = { renamed: false };
  const request = camelize(body, 0, state) as GenerateContentRequest;
  if (!Array.isArray(request.contents) || request.contents.length === 0) {
    throw errorCatalogue.INVALID_VALUE(
      '* GenerateContentRequest.contents: contents is not specified',
      'contents',
    );
  }
  request.contents.forEach((content, contentIndex) => {
    if (content === null || typeof content !== 'object' || !Array.isArray(content.parts)) {
      throw errorCatalogue.INVALID_VALUE(
        `* GenerateContentRequest.contents[${contentIndex}].parts: contents.parts must not be empty.`,
        `contents[${contentIndex}].parts`,
      );
    }
    content.parts.forEach((part, partIndex) => {
      if (!isRecord(part)) {
        throw errorCatalogue.INVALID_VALUE(
          `Invalid value at 'contents[${contentIndex}].parts[${partIndex}]': expected a Part object.`,
          `contents[${contentIndex}].parts[${partIndex}]`,
        );
      }
      const blob = part?.inlineData;
      if (blob && !isBase64Blob(blob)) {
        throw errorCatalogue.INVALID_VALUE(
          `Invalid value at 'contents[${contentIndex}].parts[${partIndex}].inline_data.data' (TYPE_BYTES), Base64 decoding failed.`,
          `contents[${contentIndex}].parts[${partIndex}].inlineData.data`,
        );
      }
    });
  });
  checkConfigShape(request);
  return { request, renamed: state.renamed };
}

/** The fields the gateway itself reads must have their proto types (a string where a list belongs is a 400). */
function checkConfigShape(request: GenerateContentRequest): void {
  const wrong = (field: string, expected: string) =>
    errorCatalogue.INVALID_VALUE(`Invalid value at '${field}': expected ${expected}.`, field);
  const system = request.systemInstruction;
  if (
    system !== undefined &&
    (!isRecord(system) || (system.parts !== undefined && !Array.isArray(system.parts)))
  )
    throw wrong('systemInstruction', 'a Content object with a parts list');
  if (system?.parts?.some((part) => !isRecord(part))) throw wrong('systemInstruction.parts', 'Part objects');
  const config = request.generationConfig;
  if (config === undefined) return;
  if (!isRecord(config)) throw wrong('generationConfig', 'an object');
  const modalities = config.responseModalities;
  if (
    modalities !== undefined &&
    (!Array.isArray(modalities) || modalities.some((item) => typeof item !== 'string'))
  )
    throw wrong('generationConfig.responseModalities', 'a list of strings such as ["TEXT", "IMAGE"]');
  if (config.imageConfig !== undefined && !isRecord(config.imageConfig))
    throw wrong('generationConfig.imageConfig', 'an object');
  // Holds count one image per candidate: "3" or 2.5 would be read as 1 here and as 3 upstream.
  const candidates = config.candidateCount;
  if (candidates !== undefined && !(Number.isSafeInteger(candidates) && (candidates as number) >= 1))
    throw wrong('generationConfig.candidateCount', 'a whole number of at least 1');
}

/**
 * Structural base64 check (standard or URL-safe alphabet, optional padding) on the length and the
 * first and last characters only: it stays O(1) for multi-megabyte images. Corruption in the middle
 * is caught when the bytes are decoded (image inspection, the engine, or the upstream's own 400).
 */
export function isBase64(value: string): boolean {
  if (value.length === 0) return false;
  const body = value.endsWith('==') ? value.slice(0, -2) : value.endsWith('=') ? value.slice(0, -1) : value;
  if (body.length % 4 === 1) return false;
  const edge = 4096;
  return (
    base64Characters.test(body.length <= 2 * edge ? body : body.slice(0, edge)) &&
    (body.length <= 2 * edge || base64Characters.test(body.slice(-edge)))
  );
}

const base64Characters = /^[A-Za-z0-9+/_-]*$/;

/** isBase64 for an inlineData blob, reading only the edges of a lazily attached string. */
export function isBase64Blob(blob: { data?: unknown }): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(blob, 'data');
  if (!descriptor?.get) return typeof blob.data === 'string' && isBase64(blob.data);
  const length = imageDataLength(blob);
  if (length <= 16_384) return isBase64(imageDataSlice(blob, 0));
  const tail = imageDataSlice(blob, -4096).replace(/={1,2}$/, '');
  return (
    (length - (4096 - tail.length)) % 4 !== 1 &&
    base64Characters.test(imageDataSlice(blob, 0, 4096)) &&
    base64Characters.test(tail)
  );
}
