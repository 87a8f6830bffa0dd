// The web routes outside the API doors: the public status page and the admin retest trigger.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../server/gateway.js';
import { registerRetestAdminRoute } from './retest-admin-route.js';
import { registerStatusRoutes } from './status-routes.js';

export function registerWebRoutes(app: FastifyInstance, gateway: Gateway): void {
  registerStatusRoutes(app, gateway);
  registerRetestAdminRoute(app, gateway);
}
