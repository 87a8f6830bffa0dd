import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../../src/canonical/error-catalogue.js';
import { GatewayError } from '../../../src/canonical/errors.js';
import { openAiErrorBody, renameParam } from '../../../src/doors/openai-common/render-error.js';
import { upstreamUrl } from '../../../src/providers/openai/client.js';

describe('OpenAI error envelope', () => {
  it('renders message, type, param and code, and nothing else', () => {
    const body = openAiErrorBody(errorCatalogue.INVALID_VALUE("Invalid value for 'size'.", 'size'));
    expect(body).toEqual({
      error: {
        message: "Invalid value for 'size'.",
        type: 'invalid_request_error',
        param: 'size',
        code: 'invalid_value',
      },
    });
  });

  it('marks safety blocks as moderation_blocked user errors', () => {
    const blocked = new GatewayError({ errorClass: 'safety', httpStatus: 400, message: 'blocked' });
    expect(openAiErrorBody(blocked).error).toMatchObject({
      type: 'image_generation_user_error',
      code: 'moderation_blocked',
    });
  });

  it("types 429 by the caller's own quota or rate and 5xx as server_error, with null param", () => {
    const quota = new GatewayError({
      errorClass: 'quota',
      httpStatus: 429,
      message: 'out',
      code: 'insufficient_quota',
    });
    const upstreamQuota = new GatewayError({
      errorClass: 'quota',
      httpStatus: 429,
      message: 'Upstream channel "a" is out of quota (HTTP 429)',
      code: 'upstream_quota',
    });
    const rate = new GatewayError({ errorClass: 'rate_limited', httpStatus: 429, message: 'slow' });
    const overloaded = new GatewayError({ errorClass: 'overloaded', httpStatus: 503, message: 'busy' });
    expect(openAiErrorBody(quota).error.type).toBe('insufficient_quota');
    // An upstream channel out of quota is never told as the caller's own budget.
    expect(openAiErrorBody(upstreamQuota).error).toMatchObject({ type: 'requests', code: 'upstream_quota' });
    expect(openAiErrorBody(rate).error.type).toBe('requests');
    expect(openAiErrorBody(overloaded).error).toMatchObject({
      type: 'server_error',
      param: null,
      code: null,
    });
  });

  it('renames a canonical field path to the door field and leaves others alone', () => {
    const renamed = renameParam(
      errorCatalogue.INVALID_VALUE('bad ratio', 'generationConfig.imageConfig.aspectRatio'),
      {
        'generationConfig.imageConfig.aspectRatio': 'image_config.aspect_ratio',
      },
    );
    expect(renamed).toMatchObject({
      param: 'image_config.aspect_ratio',
      message: 'bad ratio',
      httpStatus: 400,
    });
    const untouched = errorCatalogue.INVALID_VALUE('bad', 'prompt');
    expect(renameParam(untouched, {})).toBe(untouched);
  });
});

describe('openai upstream URL', () => {
  it('joins the API path to a bare host and does not double a /v1 base', () => {
    expect(upstreamUrl('', '/v1/images/edits')).toBe('https://api.openai.com/v1/images/edits');
    expect(upstreamUrl('http://127.0.0.1:9000/', '/v1/images/generations')).toBe(
      'http://127.0.0.1:9000/v1/images/generations',
    );
    expect(upstreamUrl('https://router.example/api/v1', '/v1/images/edits')).toBe(
      'https://router.example/api/v1/images/edits',
    );
  });
});
