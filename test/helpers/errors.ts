// Runs an action that must throw (or a promise that must reject with) a GatewayError and returns
// it, for assertions on its fields.
import { GatewayError } from '../../src/canonical/errors.js';

export function caught(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

export async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof GatewayError) return error;
  throw error ?? new Error('expected a rejection with a GatewayError');
}
