// Admin routes accept only `Authorization: Bearer <IMAGEGATE_ADMIN_KEY>`; client keys are refused.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { errorCatalogue } from '../canonical/error-catalogue.js';

/** The admin key the gateway was started with (`IMAGEGATE_ADMIN_KEY`); absent: no admin API. */
export interface AdminAuthDeps {
  adminKey?: string;
}

export function requireAdmin(gateway: AdminAuthDeps, request: FastifyRequest): void {
  if (!gateway.adminKey) {
    throw errorCatalogue.ADMIN_DISABLED();
  }
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization?.trim() ?? '');
  const presented = Buffer.from(match?.[1].trim() ?? '');
  const expected = Buffer.from(gateway.adminKey);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw match ? errorCatalogue.NOT_ADMIN() : errorCatalogue.MISSING_ADMIN_KEY();
  }
}
