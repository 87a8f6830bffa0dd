// Shared state of a gateway that runs alone (no workers, no Redis): admission and the retest lock
// in memory; its circuit breakers are the only copy of circuit state.
import type { SharedState } from '../shared-state.js';
import { InProcessAdmission } from './admission.js';
import { InProcessRetestLock } from './retest-lock.js';

export function createInProcessSharedState(clock: () => number = Date.now): SharedState {
  return {
    backend: 'in-process',
    admission: new InProcessAdmission(clock),
    retestLock: new InProcessRetestLock(clock),
    reachable: () => true,
    reportFailure: () => {},
    close: async () => {},
  };
}
