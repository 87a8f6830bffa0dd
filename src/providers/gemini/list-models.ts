// Gemini's model list, `GET {base}/v1beta/models?pageSize=&pageToken=` (AI Studio and Gemini-compatible
// routers): `{"models":[Model…],"nextPageToken":"…"}`, the token absent on the last page. Pages are
// followed to the end, within listingLimits.
import {
  displayTextOf,
  getListingJson,
  type ListedModel,
  type ListingTarget,
  listingLimits,
  malformedListing,
  modelIdOf,
  positiveIntegerOf,
  type UpstreamListing,
} from '../model-listing.js';
import type { ErrorClass } from '../../canonical/errors.js';

/** Google returns at most 1000 models per page, whatever is asked. */
export const largestPageSize = 1000;

export interface GeminiListPage {
  models: ListedModel[];
  skipped: number;
  nextPageToken?: string;
}

const pageTokenShape = /^[\x21-\x7e]{1,4096}$/;

/** Where one page is asked for and how the key goes (the channel's auth style, as for its calls). Pure. */
export function planListModelsRequest(
  target: Pick<ListingTarget, 'baseUrl' | 'apiKey' | 'authStyle'>,
  pageToken?: string,
  pageSize = largestPageSize,
): { url: string; headers: Record<string, string> } {
  const url = new URL(`${target.baseUrl.replace(/\/+$/, '')}/v1beta/models`);
  url.searchParams.set('pageSize', String(pageSize));
  if (pageToken !== undefined) url.searchParams.set('pageToken', pageToken);
  const headers: Record<string, string> = {};
  if (target.apiKey) {
    if (target.authStyle === 'query') url.searchParams.set('key', target.apiKey);
    else if (target.authStyle === 'bearer') headers.authorization = `Bearer ${target.apiKey}`;
    else headers['x-goog-api-key'] = target.apiKey;
  }
  return { url: url.toString(), headers };
}

function listedModelOf(entry: unknown): ListedModel | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const model = entry as Record<string, unknown>;
  const name = typeof model.name === 'string' ? model.name.replace(/^models\//, '') : undefined;
  const upstreamId = modelIdOf(name);
  if (upstreamId === undefined) return undefined;
  const methods = Array.isArray(model.supportedGenerationMethods)
    ? model.supportedGenerationMethods.filter((method): method is string => typeof method === 'string')
    : undefined;
  return {
    upstreamId,
    shutdown: null,
    displayName: displayTextOf(model.displayName),
    description: displayTextOf(model.description),
    version: displayTextOf(model.version),
    inputTokenLimit: positiveIntegerOf(model.inputTokenLimit),
    outputTokenLimit: positiveIntegerOf(model.outputTokenLimit),
    thinking: typeof model.thinking === 'boolean' ? model.thinking : undefined,
    methods: methods?.slice(0, 32),
  };
}

/** One page of the list. Throws ListingError when it is not `{"models":[…]}`. Pure. */
export function parseListModelsPage(body: unknown): GeminiListPage {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformedListing('the answer is not a model list object');
  }
  const page = body as Record<string, unknown>;
  // An empty account answers `{}`: no models, no next page.
  if (page.models !== undefined && !Array.isArray(page.models)) {
    throw malformedListing('its "models" is not an array');
  }
  const entries: unknown[] = Array.isArray(page.models) ? page.models : [];
  const models: ListedModel[] = [];
  for (const entry of entries) {
    const model = listedModelOf(entry);
    if (model) models.push(model);
  }
  const token = page.nextPageToken;
  if (token !== undefined && token !== null && token !== '' && typeof token !== 'string') {
    throw malformedListing('its "nextPageToken" is not a string');
  }
  if (typeof token === 'string' && token !== '' && !pageTokenShape.test(token)) {
    throw malformedListing('its "nextPageToken" is not a page token');
  }
  return {
    models,
    skipped: entries.length - models.length,
    nextPageToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

/** Google's envelope on a failed list: the same classes as a failed model call, by status. */
export function classifyListFailure(httpStatus: number, body: unknown): ErrorClass {
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  const fields = error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  const status = fields.status;
  const message = typeof fields.message === 'string' ? fields.message : '';
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 407) return 'auth';
  if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') return 'auth';
  // Google answers a bad key with 400 API_KEY_INVALID, a refused project with FAILED_PRECONDITION.
  if (status === 'FAILED_PRECONDITION' || /API key (not valid|expired|invalid)|API_KEY_/i.test(message)) {
    return 'auth';
  }
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 402) return 'quota';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 408 || httpStatus === 504) return 'timeout';
  if (httpStatus === 502 || httpStatus === 503) return 'overloaded';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'bad_request';
}

/** Every page of the channel's list, following nextPageToken to its end. */
export async function listGeminiModels(
  target: ListingTarget,
  pageSize = largestPageSize,
): Promise<UpstreamListing> {
  const models: ListedModel[] = [];
  const seenTokens = new Set<string>();
  let skipped = 0;
  let pages = 0;
  let token: string | undefined;
  do {
    if (pages >= listingLimits.pages)
      throw malformedListing(`the list runs past ${listingLimits.pages} pages`);
    const plan = planListModelsRequest(target, token, pageSize);
    const page = parseListModelsPage(
      await getListingJson(plan.url, plan.headers, target, classifyListFailure),
    );
    pages += 1;
    skipped += page.skipped;
    models.push(...page.models);
    if (models.length > listingLimits.models) {
      throw malformedListing(`the list holds more than ${listingLimits.models} models`);
    }
    token = page.nextPageToken;
    if (token !== undefined) {
      if (seenTokens.has(token)) throw malformedListing('the upstream gave a page token twice');
      seenTokens.add(token);
    }
  } while (token !== undefined);
  return { models, skipped, pages };
}
