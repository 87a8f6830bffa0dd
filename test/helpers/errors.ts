// Runs an action that must throw a GatewayError and returns it, for assertions on its fields.
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
