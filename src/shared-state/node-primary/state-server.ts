// The primary's side of shared state for the workers of its node: one admission, one retest lock
// and one set of circuits in memory. A worker holds passes and leases by handle; what it held is
// freed when it exits.
import type { AdmissionPass } from '../admission.js';
import { InProcessAdmission } from '../in-process/admission.js';
import { InMemoryCircuitStore } from '../in-process/circuits.js';
import { InProcessRetestLock } from '../in-process/retest-lock.js';
import type { RetestLease } from '../retest-lock.js';
import type { StateNotice, StateQuestion } from './messages.js';

export class NodeStateServer {
  private readonly admission: InProcessAdmission;
  private readonly retestLock: InProcessRetestLock;
  private readonly circuits: InMemoryCircuitStore;
  private readonly passes = new Map<number, { worker: number; pass: AdmissionPass }>();
  private readonly leases = new Map<number, { worker: number; lease: RetestLease }>();
  private nextHandle = 1;

  constructor(clock: () => number = Date.now) {
    this.admission = new InProcessAdmission(clock);
    this.retestLock = new InProcessRetestLock(clock);
    this.circuits = new InMemoryCircuitStore(clock);
  }

  /** The answer to a worker's question; a refusal (a 429) is thrown. */
  async answer(worker: number, asked: StateQuestion): Promise<unknown> {
    switch (asked.imagegate) {
      case 'admit': {
        const pass = await this.admission.admit(asked.request);
        const handle = this.nextHandle++;
        this.passes.set(handle, { worker, pass });
        return handle;
      }
      case 'retest-lock': {
        const lease = await this.retestLock.tryAcquire(asked.ttlMs);
        if (!lease) return null;
        const handle = this.nextHandle++;
        this.leases.set(handle, { worker, lease });
        return handle;
      }
      case 'circuit-success':
        return this.circuits.recordSuccess(asked.channel, asked.model);
      case 'circuit-failure':
        return this.circuits.recordFailure(asked.channel, asked.model, asked.failure);
      case 'circuits':
        return this.circuits.readAll();
    }
  }

  receive(notice: StateNotice): void {
    if (notice.imagegate === 'release') {
      this.passes.get(notice.pass)?.pass.release();
      this.passes.delete(notice.pass);
    } else {
      void this.leases.get(notice.lease)?.lease.release();
      this.leases.delete(notice.lease);
    }
  }

  /** Frees the passes and leases an exited worker held. */
  workerGone(worker: number): void {
    for (const [handle, held] of this.passes) {
      if (held.worker !== worker) continue;
      held.pass.release();
      this.passes.delete(handle);
    }
    for (const [handle, held] of this.leases) {
      if (held.worker !== worker) continue;
      void held.lease.release();
      this.leases.delete(handle);
    }
  }
}
