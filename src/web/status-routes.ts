// Public status routes: GET /status (HTML), GET /status.json (same data) and the retest thumbnails
// GET /status/thumbs/:id-(input|output).png. No auth; the document never holds a key or secret.
import type { FastifyInstance } from 'fastify';
import { collectStatus } from '../health/collect-status.js';
import { type Gateway, pendingWritesCommitted } from '../server/gateway.js';
import { retestThumbnail } from '../store/retest-results.js';
import { renderStatusPage } from './status-page.js';

const thumbPattern = /^(rt_[A-Za-z0-9-]{1,80})-(input|output)\.png$/;

export function registerStatusRoutes(app: FastifyInstance, gateway: Gateway): void {
  // The status shows every request answered so far (settles are committed in batches).
  const currentStatus = async () => {
    await pendingWritesCommitted(gateway);
    return collectStatus(gateway);
  };

  app.get('/status', async (_request, reply) => {
    const document = await currentStatus();
    reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
      .type('text/html; charset=utf-8');
    return renderStatusPage(document);
  });

  app.get('/status.json', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return currentStatus();
  });

  app.get('/status/thumbs/:file', async (request, reply) => {
    const match = thumbPattern.exec((request.params as { file: string }).file);
    const image = match
      ? await retestThumbnail(gateway.database.db, match[1], match[2] as 'input' | 'output')
      : undefined;
    if (!image) return reply.code(404).type('text/plain').send('no such thumbnail');
    return reply.header('cache-control', 'public, max-age=86400, immutable').type('image/png').send(image);
  });
}
