// Which failures move a request to another route, and which are the caller's own answer. Pure: every
// answer is read from the per-class table in src/canonical/errors.ts.
import { errorClasses, GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';

/**
 * Client mistakes and safety blocks are final; everything that is the route's fault fails over,
 * `model_gone` (the upstream no longer has the model) included: another route may still serve it.
 */
export function shouldFailOver(error: GatewayError): boolean {
  return errorClasses[error.errorClass].failsOver;
}

/**
 * Failures that say something about the (channel, model) route, so they count against its circuit
 * (`model_gone` too: the route also leaves the plan, see src/health/route-presence-marks.ts). The
 * gateway's own capacity saying no never does.
 */
export function countsAgainstRoute(error: GatewayError): boolean {
  return errorClasses[error.errorClass].countsAgainstRoute && !error.gatewayBusy;
}

/** Failures that are about one API key: bench the key, try the channel's next key. */
export function isKeyFailure(error: GatewayError): boolean {
  return errorClasses[error.errorClass].keyFailure;
}

/** The upstream no longer has the model: the route is marked gone until a sync or retest finds it. */
export function marksRouteGone(error: GatewayError): boolean {
  return errorClasses[error.errorClass].marksRouteGone;
}

/**
 * Any other failure is the gateway's own: it is answered in the gateway's own words, never the
 * error's (a database or library message can carry SQL, table names or a client's data); the
 * error itself stays in `cause`, for the log line that carries the request id.
 */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return errorCatalogue.UNEXPECTED(error);
}
