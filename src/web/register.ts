// The web routes outside the API doors: the public status page and the admin retest trigger.
import type { FastifyInstance } from 'fastify';
import { type RetestAdminDeps, registerRetestAdminRoute } from './retest-admin-route.js';
import { registerStatusRoutes, type StatusRouteDeps } from './status-routes.js';

/** What the web routes read from the running gateway (src/server/assemble.ts builds it). */
export interface WebDeps extends StatusRouteDeps, RetestAdminDeps {}

export function registerWebRoutes(app: FastifyInstance, gateway: WebDeps): void {
  registerStatusRoutes(app, gateway);
  registerRetestAdminRoute(app, gateway);
}
