import { describe, expect, it } from 'vitest';
import { errorCatalogue, upstreamCode } from '../../src/canonical/error-catalogue.js';
import { errorClasses, GatewayError } from '../../src/canonical/errors.js';

describe('the error catalogue', () => {
  it('gives every row a known class and an error status', () => {
    for (const [name, entry] of Object.entries(errorCatalogue)) {
      expect(Object.keys(errorClasses), name).toContain(entry.errorClass);
      expect(entry.httpStatus, name).toBeGreaterThanOrEqual(400);
      expect(entry.httpStatus, name).toBeLessThan(600);
    }
  });

  it('builds the error its row describes, with the call’s own words and field', () => {
    const error = errorCatalogue.MODEL_NOT_FOUND('No such model.', 'method');
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      errorClass: 'not_found',
      httpStatus: 404,
      status: 'NOT_FOUND',
      code: 'model_not_found',
      param: 'method',
      message: 'No such model.',
    });
    expect(errorCatalogue.MODEL_NOT_FOUND('No such model.').param).toBe('model');
  });

  it('reads the row’s fields without building an error, as Fastify’s createError does', () => {
    expect(errorCatalogue.MODEL_RETIRED.httpStatus).toBe(410);
    expect(errorCatalogue.MODEL_RETIRED.code).toBe('model_retired');
    expect(errorCatalogue.PIXEL_MEMORY_FULL.gatewayBusy).toBe(true);
  });

  it('keeps a row’s wait unless the call gives one', () => {
    expect(errorCatalogue.KEYS_RESTING('g1').retryAfterSeconds).toBe(60);
    expect(errorCatalogue.NO_CHANNEL('none configured').retryAfterSeconds).toBeUndefined();
    expect(errorCatalogue.NO_CHANNEL('circuits open', 30).retryAfterSeconds).toBe(30);
  });

  it('maps the Gemini status from the HTTP status', () => {
    expect(errorCatalogue.NO_CHANNEL('x').status).toBe('UNAVAILABLE');
    expect(errorCatalogue.REQUEST_TIMEOUT().status).toBe('DEADLINE_EXCEEDED');
    expect(errorCatalogue.BODY_TOO_LARGE('x').status).toBe('INVALID_ARGUMENT');
  });

  it('passes an upstream’s code on only when it has a code’s shape', () => {
    expect(upstreamCode('content_policy_violation')).toBe('content_policy_violation');
    expect(upstreamCode('not a code; DROP TABLE')).toBeUndefined();
    expect(upstreamCode(null)).toBeUndefined();
  });
});
