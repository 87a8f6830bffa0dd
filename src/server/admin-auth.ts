// Admin routes accept only `Authorization: Bearer <IMAGEGATE_ADMIN_KEY>`; client keys are refused.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { Gateway } from './gateway.js';

export function requireAdmin(gateway: Gateway, request: FastifyRequest): void {
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
