// A circuit store in memory, with ages by this process's clock: what the primary of a node keeps
// for its workers. The same rules as the Redis store of several replicas (../redis/circuits.ts).
import type {
  CircuitFailure,
  CircuitStateStore,
  SharedCircuitEntry,
  SharedCircuitState,
} from '../circuits.js';

interface StoredCircuit {
  consecutiveFailures: number;
  openedAt?: number;
  lastErrorClass?: string;
  lastErrorAt?: number;
}

const separator = '\u0000';

export class InMemoryCircuitStore implements CircuitStateStore {
  private readonly circuits = new Map<string, StoredCircuit>();

  constructor(private readonly now: () => number = Date.now) {}

  async recordSuccess(channel: string, model: string): Promise<SharedCircuitState> {
    const circuit = this.circuit(channel, model);
    circuit.consecutiveFailures = 0;
    circuit.openedAt = undefined;
    return this.shared(circuit);
  }

  async recordFailure(channel: string, model: string, failure: CircuitFailure): Promise<SharedCircuitState> {
    const circuit = this.circuit(channel, model);
    const now = this.now();
    circuit.consecutiveFailures += 1;
    circuit.lastErrorAt = now;
    circuit.lastErrorClass = failure.errorClass;
    if (failure.wasProbe || circuit.consecutiveFailures >= failure.failureThreshold) circuit.openedAt = now;
    return this.shared(circuit);
  }

  async readAll(): Promise<SharedCircuitEntry[]> {
    return [...this.circuits].map(([key, circuit]) => {
      const [channel, model] = key.split(separator);
      return { channel, model, ...this.shared(circuit) };
    });
  }

  private circuit(channel: string, model: string): StoredCircuit {
    const key = `${channel}${separator}${model}`;
    let circuit = this.circuits.get(key);
    if (!circuit) {
      circuit = { consecutiveFailures: 0 };
      this.circuits.set(key, circuit);
    }
    return circuit;
  }

  private shared(circuit: StoredCircuit): SharedCircuitState {
    const now = this.now();
    return {
      consecutiveFailures: circuit.consecutiveFailures,
      openedAgoMs: circuit.openedAt === undefined ? undefined : now - circuit.openedAt,
      lastErrorClass: circuit.lastErrorClass,
      lastErrorAgoMs: circuit.lastErrorAt === undefined ? undefined : now - circuit.lastErrorAt,
    };
  }
}
