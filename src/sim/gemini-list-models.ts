// Gemini's `GET /v1beta/models` (paged by pageSize/pageToken) and `GET /v1beta/models/{id}`, over
// the ids the model list serves, in the Model resource shape of WIRE.md §4.

import { geminiModelResource as modelResource } from '../canonical/gemini-model-resource.js';
import * as errors from './gemini-errors.js';
import type { SimModel } from './model-families.js';
import type { ModelList } from './model-list.js';

const defaultPageSize = 50;
const maximumPageSize = 1000;

/** One Model resource, as Google's list and get answer it (capture of 2026-06-12). */
export function geminiModelResource(model: SimModel): Record<string, unknown> {
  // streamGenerateContent is served but, as in Google's answers, never listed.
  return modelResource({ ...model, id: model.name }, [
    'generateContent',
    'countTokens',
    'batchGenerateContent',
  ]);
}

/**
 * Google's page tokens are opaque base64 protobufs naming where the page ended (`CiRtb2RlbHMv…` is
 * field 1 = "models/…"); this one does the same, so a page boundary survives a list change.
 */
function pageToken(lastName: string): string {
  const name = Buffer.from(`models/${lastName}`, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, name.length]), name]).toString('base64');
}

function nameInPageToken(token: string): string | undefined {
  const bytes = Buffer.from(token, 'base64');
  if (bytes.length < 2 || bytes[0] !== 0x0a || bytes[1] !== bytes.length - 2) return undefined;
  const name = bytes.subarray(2).toString('utf8');
  return name.startsWith('models/') ? name.slice('models/'.length) : undefined;
}

function pageSizeOf(query: URLSearchParams): number {
  const requested = Number(query.get('pageSize') ?? defaultPageSize);
  if (!Number.isInteger(requested) || requested <= 0) return defaultPageSize;
  return Math.min(requested, maximumPageSize);
}

/** One page of the list; `nextPageToken` only when more follow, as Google omits it on the last page. */
export function listGeminiModels(
  models: ModelList,
  query: URLSearchParams,
): { body: Record<string, unknown> } | { error: errors.GoogleError } {
  const token = query.get('pageToken');
  let start = 0;
  if (token) {
    const after = nameInPageToken(token);
    const index = after === undefined ? -1 : models.gemini.findIndex((model) => model.name === after);
    if (index < 0) return { error: errors.invalidArgument('Invalid page token.') };
    start = index + 1;
  }
  const page = models.gemini.slice(start, start + pageSizeOf(query));
  const body: Record<string, unknown> = { models: page.map(geminiModelResource) };
  const last = page.at(-1);
  if (last && start + page.length < models.gemini.length) body.nextPageToken = pageToken(last.name);
  return { body };
}
