import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/canonical/error-catalogue.js';
import { type ErrorClass, errorClasses, GatewayError } from '../../src/canonical/errors.js';
import {
  asGatewayError,
  countsAgainstRoute,
  isKeyFailure,
  marksRouteGone,
  shouldFailOver,
} from '../../src/routing/failover-policy.js';

const allClasses: ErrorClass[] = [
  'bad_request',
  'auth',
  'permission',
  'not_found',
  'model_gone',
  'quota',
  'rate_limited',
  'overloaded',
  'no_channel',
  'safety',
  'no_image',
  'semantic_fail',
  'timeout',
  'connection',
  'upstream_bug',
  'internal',
];

const failureOf = (errorClass: ErrorClass, gatewayBusy = false) =>
  new GatewayError({ errorClass, httpStatus: 500, message: 'x', gatewayBusy });

describe('the per-class routing table', () => {
  it('has a row for every error class, with every question answered', () => {
    expect(Object.keys(errorClasses).sort()).toEqual([...allClasses].sort());
    for (const row of Object.values(errorClasses)) {
      expect(Object.keys(row).sort()).toEqual(
        ['countsAgainstRoute', 'failsOver', 'keyFailure', 'marksRouteGone'].sort(),
      );
    }
  });

  it('keeps client mistakes, safety blocks and the gateway’s own bugs final', () => {
    const final = allClasses.filter((errorClass) => !shouldFailOver(failureOf(errorClass)));
    expect(final.sort()).toEqual(['bad_request', 'internal', 'permission', 'safety']);
  });

  it('fails over on everything that is the route’s fault, upstream credentials and lost models included', () => {
    for (const errorClass of ['auth', 'not_found', 'model_gone', 'no_channel', 'semantic_fail'] as const) {
      expect(shouldFailOver(failureOf(errorClass))).toBe(true);
    }
  });

  it('counts only failures that fail over against the route, never a key’s quota or credentials', () => {
    for (const errorClass of allClasses) {
      const counts = countsAgainstRoute(failureOf(errorClass));
      if (counts) expect(shouldFailOver(failureOf(errorClass))).toBe(true);
    }
    expect(countsAgainstRoute(failureOf('quota'))).toBe(false);
    expect(countsAgainstRoute(failureOf('auth'))).toBe(false);
    expect(countsAgainstRoute(failureOf('rate_limited'))).toBe(true);
    expect(countsAgainstRoute(failureOf('model_gone'))).toBe(true);
  });

  it('never counts the gateway’s own capacity against the route', () => {
    expect(countsAgainstRoute(failureOf('overloaded', true))).toBe(false);
    expect(shouldFailOver(failureOf('overloaded', true))).toBe(true);
    expect(countsAgainstRoute(errorCatalogue.PIXEL_MEMORY_FULL('full'))).toBe(false);
  });

  it('rests a key on credentials, quota and rate limits only, and each of those fails over', () => {
    const keyFailures = allClasses.filter((errorClass) => isKeyFailure(failureOf(errorClass)));
    expect(keyFailures.sort()).toEqual(['auth', 'quota', 'rate_limited']);
    for (const errorClass of keyFailures) expect(shouldFailOver(failureOf(errorClass))).toBe(true);
  });

  it('sets the route aside only when the upstream lost the model', () => {
    const gone = allClasses.filter((errorClass) => marksRouteGone(failureOf(errorClass)));
    expect(gone).toEqual(['model_gone']);
  });

  it('answers any other failure as the gateway’s own, in its own words', () => {
    const failure = asGatewayError(new Error('SELECT * FROM client_keys'));
    expect(failure.errorClass).toBe('internal');
    expect(failure.httpStatus).toBe(500);
    expect(failure.message).not.toContain('SELECT');
    expect(shouldFailOver(failure)).toBe(false);
  });
});
