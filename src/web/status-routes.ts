// Public status routes: GET /status (HTML), GET /status.json (same data) and the retest thumbnails
// GET /status/thumbs/:id-(input|output).png. No auth; the document never holds a key or secret.
// Both documents are served from a copy refreshed in the background (status-cache.ts): a visit
// costs no query and no commit, however often it comes.
import type { FastifyInstance } from 'fastify';
import { collectStatus, type StatusDeps } from '../health/collect-status.js';
import type { Logger } from '../security/logger.js';
import { retestThumbnail } from '../store/retest-results.js';
import { StatusCache } from './status-cache.js';
import { renderStatusPage } from './status-page.js';

/** How old the served status may be. */
export const statusRefreshMs = 5000;

const thumbPattern = /^(rt_[A-Za-z0-9-]{1,80})-(input|output)\.png$/;

/** What the status routes read: the status sources and a logger for failed refreshes. */
export interface StatusRouteDeps extends StatusDeps {
  logger: Logger;
}

export function registerStatusRoutes(app: FastifyInstance, gateway: StatusRouteDeps): StatusCache {
  // Settles and log rows are committed in batches within milliseconds; the status reads what is
  // committed and never forces a commit.
  const status = new StatusCache({
    collect: () => collectStatus(gateway),
    render: renderStatusPage,
    refreshEveryMs: statusRefreshMs,
    onError: (error) => gateway.logger.warn({ err: error }, 'status refresh failed'),
  });
  app.addHook('onClose', (_instance, done) => {
    status.stop();
    done();
  });
  const maxAge = `public, max-age=${Math.floor(statusRefreshMs / 1000)}`;

  app.get('/status', async (_request, reply) => {
    const copy = await status.current();
    return reply
      .header('cache-control', maxAge)
      .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
      .type('text/html; charset=utf-8')
      .send(copy.html);
  });

  app.get('/status.json', async (_request, reply) => {
    const copy = await status.current();
    return reply.header('cache-control', maxAge).type('application/json; charset=utf-8').send(copy.json);
  });

  app.get('/status/thumbs/:file', async (request, reply) => {
    const match = thumbPattern.exec((request.params as { file: string }).file);
    const image = match
      ? await retestThumbnail(gateway.database.db, match[1], match[2] as 'input' | 'output')
      : undefined;
    if (!image) return reply.code(404).type('text/plain').send('no such thumbnail');
    return reply.header('cache-control', 'public, max-age=86400, immutable').type('image/png').send(image);
  });
  return status;
}
