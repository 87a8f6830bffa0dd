// An OpenAI image URL (`image_url`, `input_image.image_url`) → a canonical part: https stays a URL the
// gateway fetches later; a data: URL becomes inlineData, kept as the client's own base64 when plain.
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import {
  type LazyDataUrl,
  type LazyDataUrls,
  lazyDataUrlBlob,
  splitDataUrl,
} from '../../canonical/data-urls.js';
import type { Part } from '../../canonical/types.js';
import { isBase64, isBase64Blob } from '../gemini/normalize-request.js';

export function imageUrlToPart(url: string, param: string, lazyDataUrls: LazyDataUrls = new Map()): Part {
  if (/^https?:\/\//i.test(url)) return { fileData: { fileUri: url } };
  const lazy = lazyDataUrls.get(url);
  if (lazy) return lazyDataUrlPart(lazy);
  const split = splitDataUrl(url);
  if (!split?.mimeType) {
    throw errorCatalogue.INVALID_IMAGE_URL(
      `'${param}' must be an https URL or a base64 data URL (data:image/png;base64,…).`,
      param,
    );
  }
  // Plain base64 (checked at its edges, as on the Gemini door) goes on as the client sent it;
  // anything else (line breaks, spaces) is decoded and written again as plain base64.
  const data = isBase64(split.base64) ? split.base64 : Buffer.from(split.base64, 'base64').toString('base64');
  return { inlineData: { mimeType: split.mimeType, data } };
}

/** The inline image behind a stand-in: plain base64 stays an unread byte range, other base64 is rewritten. */
function lazyDataUrlPart(lazy: LazyDataUrl): Part {
  const blob = lazyDataUrlBlob(lazy);
  if (!isBase64Blob(blob)) blob.data = Buffer.from(blob.data, 'base64').toString('base64');
  return { inlineData: blob };
}
