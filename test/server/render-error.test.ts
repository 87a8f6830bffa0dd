import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/canonical/error-catalogue.js';
import { gatewayErrorOf } from '../../src/pipeline/error-reply.js';
import { errorEnvelopeText, rendererForPath } from '../../src/server/render-error.js';

describe('errors outside the doors’ own scopes', () => {
  it('take the envelope of the door their path belongs to, Gemini’s where none does', () => {
    const failure = errorCatalogue.NO_ROUTE('POST', '/v1/nope');
    expect(JSON.parse(errorEnvelopeText('/v1/nope?x=1', failure))).toEqual({
      error: { message: 'No route POST /v1/nope.', type: 'invalid_request_error', param: null, code: null },
    });
    expect(JSON.parse(errorEnvelopeText('/admin/nope', failure)).error.type).toBe('invalid_request_error');
    for (const path of ['/v1beta/models/x:nope', '/healthz', '/no/such/route', '/v1']) {
      expect(JSON.parse(errorEnvelopeText(path, failure))).toEqual({
        error: { code: 404, message: 'No route POST /v1/nope.', status: 'NOT_FOUND' },
      });
    }
    expect(rendererForPath('/v1/models')).toBe(rendererForPath('/admin/keys'));
  });

  it('turn Fastify’s own client errors into catalogue errors, and anything else into the gateway’s words', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(gatewayErrorOf(tooLarge)).toMatchObject({ httpStatus: 413, code: 'request_too_large' });
    const mediaType = Object.assign(new Error('Unsupported'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    expect(gatewayErrorOf(mediaType)).toMatchObject({ httpStatus: 415, code: 'unsupported_media_type' });
    expect(gatewayErrorOf(Object.assign(new Error('Gone'), { statusCode: 405 }))).toMatchObject({
      errorClass: 'bad_request',
      httpStatus: 405,
      message: 'Gone',
    });
    const internal = gatewayErrorOf(new Error('secret table name'));
    expect(internal).toMatchObject({ errorClass: 'internal', httpStatus: 500 });
    expect(internal.message).not.toContain('secret');
  });
});
