// POST /admin/retest: run retests now (admin key as `Authorization: Bearer <IMAGEGATE_ADMIN_KEY>`).
// Body (all optional): {"model": "...", "channel": "...", "doors": ["gemini", ...]}.
import type { FastifyInstance } from 'fastify';
import { excessNestingOffset, maxJsonNesting } from '../canonical/json-nesting.js';
import { RetestBusyError, type RetestService } from '../health/retest-service.js';
import { allRetestDoors, isRetestDoor } from '../health/retest-outcome.js';
import { RetestFilterError } from '../health/retest-plan.js';
import { type AdminAuthDeps, requireAdmin } from '../security/admin-auth.js';

function parseBody(body: unknown): Record<string, unknown> {
  if (Buffer.isBuffer(body) && body.length > 0) {
    if (excessNestingOffset(body) >= 0)
      throw new RetestFilterError(`the body nests deeper than ${maxJsonNesting} levels`);
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    throw new RetestFilterError('the body must be a JSON object');
  }
  return {};
}

/** The admin key and, once the app is built, this process's retest service. */
export interface RetestAdminDeps extends AdminAuthDeps {
  retests?: RetestService;
}

export function registerRetestAdminRoute(app: FastifyInstance, gateway: RetestAdminDeps): void {
  app.post('/admin/retest', async (request, reply) => {
    const problem = (status: number, message: string) =>
      reply.code(status).send({ error: { code: status, message } });
    requireAdmin(gateway, request);
    if (!gateway.retests) return problem(503, 'Retests are not available in this process.');
    try {
      const body = parseBody(request.body);
      const doors = Array.isArray(body.doors) ? body.doors.map(String) : undefined;
      const unknownDoor = doors?.find((door) => !isRetestDoor(door));
      if (unknownDoor)
        throw new RetestFilterError(`unknown door "${unknownDoor}"; use ${allRetestDoors.join(', ')}`);
      const results = await gateway.retests.run({
        model: typeof body.model === 'string' ? body.model : undefined,
        channel: typeof body.channel === 'string' ? body.channel : undefined,
        doors: doors?.filter(isRetestDoor),
      });
      return { results };
    } catch (error) {
      if (error instanceof RetestBusyError) return problem(409, error.message);
      if (error instanceof RetestFilterError || error instanceof SyntaxError)
        return problem(400, error.message);
      throw error;
    }
  });
}
