// The Gemini `models` resources: one catalog entry in Google's Model shape, and paged lists. Pure.
import type { CatalogModel } from '../../catalog/catalog.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { geminiModelResource as modelResource } from '../../canonical/gemini-model-resource.js';

/** The methods the gateway serves for every model (streamGenerateContent too, unlisted as Google does). */
const servedMethods = ['generateContent', 'countTokens'];

export function geminiModelResource(model: CatalogModel): Record<string, unknown> {
  return modelResource(model, servedMethods);
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match)
    throw errorCatalogue.INVALID_VALUE(
      `Invalid page token "${token}". Pass the nextPageToken of a previous answer.`,
      'pageToken',
    );
  return Number(match[1]);
}

export function listModelsPage(
  models: readonly CatalogModel[],
  pageSizeText: string | undefined,
  pageToken: string | undefined,
): { models: Record<string, unknown>[]; nextPageToken?: string } {
  const requested = pageSizeText === undefined ? 50 : Number(pageSizeText);
  if (!Number.isInteger(requested) || requested < 0) {
    throw errorCatalogue.INVALID_VALUE(
      `pageSize must be a non-negative integer, got "${pageSizeText}".`,
      'pageSize',
    );
  }
  const pageSize = requested === 0 ? 50 : Math.min(requested, 1000);
  const offset = decodePageToken(pageToken);
  const visible = models.filter((model) => model.status !== 'disabled');
  const page = visible.slice(offset, offset + pageSize).map(geminiModelResource);
  const next = offset + pageSize;
  return next < visible.length
    ? { models: page, nextPageToken: Buffer.from(`offset:${next}`).toString('base64url') }
    : { models: page };
}
