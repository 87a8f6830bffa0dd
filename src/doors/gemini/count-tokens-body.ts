// The two bodies countTokens takes: `{contents, …}` (js-genai) or `{generateContentRequest: {model,
// contents, …}}` (the legacy @google/generative-ai SDK always sends this one). Exactly one. Pure.
import { errorCatalogue } from '../../canonical/error-catalogue.js';

/**
 * The request whose prompt is counted. `sameModel` says whether the model named inside a
 * generateContentRequest is the one in the path (ids and aliases resolve through the catalog).
 */
export function countTokensRequest(
  body: unknown,
  sameModel: (name: string) => boolean,
): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errorCatalogue.INVALID_VALUE(
      'Invalid JSON payload received. Expected a JSON object with "contents" or "generateContentRequest".',
    );
  }
  const fields = body as Record<string, unknown>;
  const wrapped = fields.generateContentRequest ?? fields.generate_content_request;
  const contents = fields.contents;
  if (wrapped !== undefined && contents !== undefined) {
    throw errorCatalogue.INVALID_VALUE(
      '* CountTokensRequest: send either contents or generateContentRequest, not both.',
      'generateContentRequest',
    );
  }
  if (wrapped === undefined) {
    if (contents === undefined) {
      throw errorCatalogue.INVALID_VALUE(
        '* CountTokensRequest: either contents or generateContentRequest must be set.',
        'contents',
      );
    }
    return fields;
  }
  if (wrapped === null || typeof wrapped !== 'object' || Array.isArray(wrapped)) {
    throw errorCatalogue.INVALID_VALUE(
      "Invalid value at 'generateContentRequest': expected a GenerateContentRequest object.",
      'generateContentRequest',
    );
  }
  const inner = wrapped as Record<string, unknown>;
  const model = inner.model;
  if (model !== undefined && (typeof model !== 'string' || !sameModel(model))) {
    throw errorCatalogue.INVALID_VALUE(
      `* CountTokensRequest.generateContentRequest.model: ${JSON.stringify(model)} is not the model in the path. Name the same model in both, or leave it out.`,
      'generateContentRequest.model',
    );
  }
  const { model: _named, ...request } = inner;
  return request;
}
