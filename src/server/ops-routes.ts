// Operations endpoints: liveness, readiness (database reachable, not draining, every worker of the
// node listening; Redis state reported when configured) and Prometheus metrics.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Gateway } from './gateway.js';

export function registerOpsRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (gateway.draining) return reply.code(503).send({ status: 'draining' });
    // A node of several workers is ready once every worker listens.
    if (gateway.cluster && !gateway.cluster.link.isNodeListening) {
      return reply.code(503).send({ status: 'starting', workers: gateway.cluster.count });
    }
    try {
      await sql`select 1`.execute(gateway.database.db);
    } catch (error) {
      // Readiness is public: the driver's text (paths, hosts, SQL) goes to the log, not to the caller.
      gateway.logger.warn({ err: error }, 'readiness check: database unavailable');
      return reply.code(503).send({ status: 'database unavailable' });
    }
    // Redis down does not make a replica unready: every Redis-backed part has a fallback (docs/deploy.md),
    // and failing readiness would take every replica out of the load balancer at once.
    const redis = gateway.sharedState?.redisState?.();
    return {
      status: 'ready',
      channels: gateway.channels.length,
      models: gateway.catalog.list().length,
      ...(redis === undefined ? {} : { redis }),
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(gateway.metrics.registry.contentType);
    // Workers of one node answer with every worker's metrics, summed.
    return gateway.cluster ? gateway.cluster.link.clusterMetrics() : gateway.metrics.registry.metrics();
  });
}
