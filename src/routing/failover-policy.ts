// Which failures move a request to another route, and which are the caller's own answer. Pure.
import { GatewayError } from '../canonical/errors.js';

/** Client mistakes and safety blocks are final; everything that is the route's fault fails over. */
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

/** Failures that say something about the (channel, model) route, so they count against its circuit. */
export function countsAgainstRoute(error: GatewayError): boolean {
  return shouldFailOver(error) && error.errorClass !== 'quota' && error.errorClass !== 'auth';
}

/** Failures that are about one API key: bench the key, try the channel's next key. */
export function isKeyFailure(error: GatewayError): boolean {
  return error.errorClass === 'auth' || error.errorClass === 'quota' || error.errorClass === 'rate_limited';
}

export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError({
    errorClass: 'internal',
    httpStatus: 500,
    message: `Internal gateway error: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}
