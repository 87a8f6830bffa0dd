// Operations endpoints: liveness, readiness (database reachable, not draining) and Prometheus metrics.
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Gateway } from './gateway.js';

export function registerOpsRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (gateway.draining) return reply.code(503).send({ status: 'draining' });
    try {
      await sql`select 1`.execute(gateway.database.db);
    } catch (error) {
      return reply.code(503).send({ status: 'database unavailable', error: (error as Error).message });
    }
    return { status: 'ready', channels: gateway.channels.length, models: gateway.catalog.list().length };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(gateway.metrics.registry.contentType);
    return gateway.metrics.registry.metrics();
  });
}
