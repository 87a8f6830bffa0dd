// Prometheus metrics: requests by door/model/status, latency, and upstream attempts by outcome.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BodyMemory } from '../pipeline/body-memory.js';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'door' | 'model' | 'status'>;
  requestDuration: Histogram<'door' | 'model'>;
  upstreamAttempts: Counter<'channel' | 'model' | 'outcome'>;
  upstreamAttemptDuration: Histogram<'channel' | 'model'>;
  imagesOut: Counter<'model'>;
}

export function createMetrics(bodyMemory?: BodyMemory): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'imagegate_process_' });
  if (bodyMemory) {
    new Gauge({
      name: 'imagegate_body_memory_bytes',
      help: 'Bytes of large request bodies held in memory now (bounded by server.bodyMemoryBytes).',
      registers: [registry],
      collect() {
        this.set(bodyMemory.held);
      },
    });
    new Gauge({
      name: 'imagegate_body_memory_waiting_requests',
      help: 'Requests waiting for room under server.bodyMemoryBytes before their body is read.',
      registers: [registry],
      collect() {
        this.set(bodyMemory.waiting);
      },
    });
  }
  const latencyBuckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];
  return {
    registry,
    requests: new Counter({
      name: 'imagegate_requests_total',
      help: 'Client requests answered, by front door, public model and HTTP status.',
      labelNames: ['door', 'model', 'status'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'imagegate_request_duration_seconds',
      help: 'Time from request received to response finished.',
      labelNames: ['door', 'model'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'imagegate_upstream_attempts_total',
      help: 'Upstream attempts by channel, model and outcome (ok or an error class).',
      labelNames: ['channel', 'model', 'outcome'],
      registers: [registry],
    }),
    upstreamAttemptDuration: new Histogram({
      name: 'imagegate_upstream_attempt_duration_seconds',
      help: 'Duration of each upstream attempt.',
      labelNames: ['channel', 'model'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    imagesOut: new Counter({
      name: 'imagegate_images_out_total',
      help: 'Images returned to clients.',
      labelNames: ['model'],
      registers: [registry],
    }),
  };
}
