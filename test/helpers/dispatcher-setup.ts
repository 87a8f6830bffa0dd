// A dispatcher over fake channels, with its circuits and key pool on the (fake or real) clock, and
// everything it tells the outside world collected for assertions.
import type { GenerateContentRequest } from '../../src/canonical/types.js';
import type { RouteChannel } from '../../src/routing/channel.js';
import { CircuitBreakers } from '../../src/routing/circuit-breaker.js';
import {
  type AttemptRecord,
  type DispatchRequest,
  Dispatcher,
  type DispatcherOptions,
  type GoneRouteSighting,
} from '../../src/routing/dispatch.js';
import { KeyPool } from '../../src/routing/key-pool.js';
import { testModel } from './fake-routes.js';

export interface DispatcherSetup {
  dispatcher: Dispatcher;
  circuits: CircuitBreakers;
  keys: KeyPool;
  gone: GoneRouteSighting[];
  attempts: Array<AttemptRecord & { model: string }>;
}

export function dispatcherOver(
  channels: RouteChannel[],
  options: Partial<Omit<DispatcherOptions, 'channels' | 'circuits' | 'keys'>> & {
    circuit?: { failureThreshold: number; openMs: number };
  } = {},
): DispatcherSetup {
  const { circuit, ...rest } = options;
  // Date.now is read at each call, so vi.useFakeTimers() moves these clocks too.
  const circuits = new CircuitBreakers({
    ...(circuit ?? { failureThreshold: 3, openMs: 30_000 }),
    now: () => Date.now(),
  });
  const keys = new KeyPool(() => Date.now());
  const gone: GoneRouteSighting[] = [];
  const attempts: Array<AttemptRecord & { model: string }> = [];
  const dispatcher = new Dispatcher({
    channels: () => channels,
    circuits,
    keys,
    maxAttempts: 5,
    deadlineMs: 120_000,
    onRouteGone: (sighting) => gone.push(sighting),
    onAttempt: (record) => attempts.push(record),
    ...rest,
  });
  return { dispatcher, circuits, keys, gone, attempts };
}

export const imageRequest: GenerateContentRequest = {
  contents: [{ role: 'user', parts: [{ text: 'a red circle on a white background' }] }],
  generationConfig: { responseModalities: ['IMAGE'] },
};

export function askFor(fields: Partial<DispatchRequest> = {}): DispatchRequest {
  return { modelId: testModel, request: imageRequest, wantsImage: true, ...fields };
}
