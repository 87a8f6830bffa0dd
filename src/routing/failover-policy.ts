// Which failures move a request to another route, and which are the caller's own answer. Pure.
import { GatewayError } from '../canonical/errors.js';

/**
 * Client mistakes and safety blocks are final; everything that is the route's fault fails over,
 * `model_gone` (the upstream no longer has the model) included: another route may still serve it.
 */
export function shouldFailOver(error: GatewayError): boolean {
  switch (error.errorClass) {
    case 'bad_request':
    case 'safety':
    case 'permission':
    case 'internal':
      return false;
    default:
      return true;
  }
}

/**
 * Failures that say something about the (channel, model) route, so they count against its circuit
 * (`model_gone` too: the route also leaves the plan, see src/health/route-presence-marks.ts).
 */
export function countsAgainstRoute(error: GatewayError): boolean {
  return (
    shouldFailOver(error) && !error.gatewayBusy && error.errorClass !== 'quota' && error.errorClass !== 'auth'
  );
}

/** Failures that are about one API key: bench the key, try the channel's next key. */
export function isKeyFailure(error: GatewayError): boolean {
  return error.errorClass === 'auth' || error.errorClass === 'quota' || error.errorClass === 'rate_limited';
}

/**
 * Any other failure is the gateway's own: it is answered in the gateway's own words, never the
 * error's (a database or library message can carry SQL, table names or a client's data); the
 * error itself stays in `cause`, for the log line that carries the request id.
 */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError({
    errorClass: 'internal',
    httpStatus: 500,
    message:
      'Internal gateway error. The gateway logged the details under the request id in the x-request-id response header; retry, or give the id to the gateway admin.',
    cause: error,
  });
}

/** The upstream no longer has the model: the route is marked gone until a sync or retest finds it. */
export function marksRouteGone(error: GatewayError): boolean {
  return error.errorClass === 'model_gone';
}
