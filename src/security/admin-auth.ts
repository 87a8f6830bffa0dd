// Admin routes accept only `Authorization: Bearer <IMAGEGATE_ADMIN_KEY>`; client keys are refused.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../canonical/errors.js';

/** The admin key the gateway was started with (`IMAGEGATE_ADMIN_KEY`); absent: no admin API. */
export interface AdminAuthDeps {
  adminKey?: string;
}

export function requireAdmin(gateway: AdminAuthDeps, request: FastifyRequest): void {
  if (!gateway.adminKey) {
    throw new GatewayError({
      errorClass: 'permission',
      httpStatus: 403,
      code: 'admin_disabled',
      message: 'The admin API is disabled: start the gateway with IMAGEGATE_ADMIN_KEY set.',
    });
  }
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization?.trim() ?? '');
  const presented = Buffer.from(match?.[1].trim() ?? '');
  const expected = Buffer.from(gateway.adminKey);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new GatewayError({
      errorClass: 'permission',
      httpStatus: match ? 403 : 401,
      code: match ? 'not_admin' : 'missing_admin_key',
      message: match
        ? 'This key may not use the admin API (client keys are refused); use the IMAGEGATE_ADMIN_KEY.'
        : 'The admin API needs Authorization: Bearer <IMAGEGATE_ADMIN_KEY>.',
    });
  }
}
