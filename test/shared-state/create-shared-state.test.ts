// createSharedState picks the backend from the configuration (Redis URL set → Redis; a worker of a
// node → its primary; else the process alone) and connects the process's circuit breakers to it.
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/security/logger.js';
import type { CircuitStateStore, LocalCircuits } from '../../src/shared-state/circuits.js';
import { createSharedState } from '../../src/shared-state/create-shared-state.js';
import type { PrimaryChannel } from '../../src/shared-state/node-primary/messages.js';

const logger = createLogger('silent');

function config(redisUrl?: string): Pick<GatewayConfig, 'storage' | 'routing'> {
  return {
    storage: { redisUrl, redisKeyPrefix: 'imagegate-test:factory:' },
    routing: { deadlineMs: 10_000 },
  } as Pick<GatewayConfig, 'storage' | 'routing'>;
}

function recordingCircuits(): LocalCircuits & { stores: CircuitStateStore[] } {
  const stores: CircuitStateStore[] = [];
  return {
    stores,
    useSharedStore: (store) => stores.push(store),
    refreshFromStore: async () => {},
  };
}

const silentPrimary: PrimaryChannel = {
  ask: () => new Promise(() => {}),
  notify: () => {},
};

describe('createSharedState', () => {
  it('keeps state in process when there is neither Redis nor a primary', async () => {
    const circuits = recordingCircuits();
    const state = await createSharedState(config(), { logger, circuits });
    expect(state.backend).toBe('in-process');
    expect(circuits.stores).toEqual([]);
    await state.close();
  });

  it('asks the primary in a worker of a node, and shares circuits through it', async () => {
    const circuits = recordingCircuits();
    const state = await createSharedState(config(), { logger, circuits, primary: silentPrimary });
    expect(state.backend).toBe('node-primary');
    expect(circuits.stores).toEqual([state.circuits]);
    await state.close();
  });

  it('uses Redis when a URL is set, even in a worker of a node', async () => {
    const circuits = recordingCircuits();
    // A closed port: the backend is chosen and closed without Redis answering.
    const state = await createSharedState(config('redis://127.0.0.1:1'), {
      logger,
      circuits,
      primary: silentPrimary,
    });
    expect(state.backend).toBe('redis');
    expect(circuits.stores).toEqual([state.circuits]);
    expect(state.redisState?.()).toBe('unavailable');
    await state.close();
  });
});
