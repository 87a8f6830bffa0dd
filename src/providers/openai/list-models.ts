// OpenAI's model list, `GET {base}/v1/models` (openai and openai-compatible channels):
// `{"object":"list","data":[{"id","object":"model","created","owned_by","shutdown_date"}]}`, where
// `shutdown_date` is YYYY-MM-DD or null when none is announced. The list is not paged.
import type { ErrorClass } from '../../canonical/errors.js';
import {
  getListingJson,
  isoDateOf,
  type ListedModel,
  type ListingTarget,
  listingLimits,
  malformedListing,
  modelIdOf,
  type UpstreamListing,
} from '../model-listing.js';
import { upstreamUrl } from './client.js';

/** Where the list is asked for; an OpenAI channel always sends its key as a bearer token. Pure. */
export function planOpenAiListRequest(target: Pick<ListingTarget, 'baseUrl' | 'apiKey'>): {
  url: string;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  return { url: upstreamUrl(target.baseUrl, '/v1/models'), headers };
}

/** Largest `created` accepted: year 9999 (a larger one is not a date). */
const latestCreatedSeconds = 253_402_300_799;

function listedModelOf(entry: unknown): ListedModel | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const model = entry as Record<string, unknown>;
  const upstreamId = modelIdOf(model.id);
  if (upstreamId === undefined) return undefined;
  const created =
    typeof model.created === 'number' &&
    Number.isSafeInteger(model.created) &&
    model.created > 0 &&
    model.created <= latestCreatedSeconds
      ? new Date(model.created * 1000).toISOString().slice(0, 10)
      : undefined;
  return { upstreamId, shutdown: isoDateOf(model.shutdown_date), created };
}

/** The list. Throws ListingError when it is not `{"data":[…]}`. Pure. */
export function parseOpenAiModelList(body: unknown): UpstreamListing {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformedListing('the answer is not a model list object');
  }
  const data = (body as Record<string, unknown>).data;
  if (!Array.isArray(data)) throw malformedListing('its "data" is not an array');
  if (data.length > listingLimits.models) {
    throw malformedListing(`the list holds more than ${listingLimits.models} models`);
  }
  const models: ListedModel[] = [];
  for (const entry of data) {
    const model = listedModelOf(entry);
    if (model) models.push(model);
  }
  return { models, skipped: data.length - models.length, pages: 1 };
}

/** OpenAI's envelope on a failed list: a key or quota problem is the channel's credentials. */
export function classifyOpenAiListFailure(httpStatus: number, body: unknown): ErrorClass {
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  if (httpStatus === 401 || httpStatus === 403 || httpStatus === 407) return 'auth';
  if (code === 'invalid_api_key') return 'auth';
  if (httpStatus === 402 || code === 'insufficient_quota') return 'quota';
  if (httpStatus === 429) return 'rate_limited';
  if (httpStatus === 404) return 'not_found';
  if (httpStatus === 408 || httpStatus === 504) return 'timeout';
  if (httpStatus === 502 || httpStatus === 503) return 'overloaded';
  if (httpStatus >= 500) return 'upstream_bug';
  return 'bad_request';
}

export async function listOpenAiModels(target: ListingTarget): Promise<UpstreamListing> {
  const plan = planOpenAiListRequest(target);
  return parseOpenAiModelList(
    await getListingJson(plan.url, plan.headers, target, classifyOpenAiListFailure),
  );
}
