// `POST /admin/models/sync` (admin key): runs `imagegate models sync` in this gateway now and answers
// its JSON report. Optional `{"channel": "name"}` body or `?channel=` narrows it to one channel.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { UnknownChannelError } from '../discovery/model-sync.js';
import { requireAdmin } from '../security/admin-auth.js';
import type { Gateway } from './gateway.js';
import { parseJsonBody } from '../http/parse-json-body.js';

const syncBodySchema = z.strictObject({ channel: z.string().min(1).optional() });

function channelFilter(body: unknown, query: Record<string, string | undefined>): string | undefined {
  if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0))
    return query.channel;
  const parsed = syncBodySchema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.join('.') || undefined;
    throw errorCatalogue.INVALID_VALUE(`${param ? `${param}: ` : ''}${issue.message}`, param);
  }
  return parsed.data.channel ?? query.channel;
}

export function registerAdminModelSyncRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.post('/admin/models/sync', async (request) => {
    requireAdmin(gateway, request);
    const channel = channelFilter(request.body, request.query as Record<string, string | undefined>);
    const sync = gateway.modelSync;
    if (!sync) throw errorCatalogue.INTERNAL('This gateway was assembled without its model sync.');
    try {
      return await sync.run({ channel });
    } catch (error) {
      if (error instanceof UnknownChannelError)
        throw errorCatalogue.INVALID_VALUE(`${error.message}.`, 'channel');
      throw error;
    }
  });
}
