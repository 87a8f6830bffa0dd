// Builds the HTTP application: body parsing, request ids, error envelopes, ops routes and the doors.
import type { IncomingMessage } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { bufferRequestBody, requestBuffersOf } from '../http/buffer-pool.js';
import { countedBodies } from '../http/collect-body.js';
import { readRequestBody } from './read-request-body.js';
import { countAnswer, reserveForRequest } from './body-memory.js';
import { authenticate as authenticateGeminiClient, registerGeminiDoor } from '../doors/gemini/routes.js';
import { authenticateBearer } from '../doors/openai-common/request-context.js';
import { registerWebRoutes } from '../web/register.js';
import { registerOpenAiChatDoor } from '../doors/openai-chat/routes.js';
import { registerOpenAiImagesDoor } from '../doors/openai-images/routes.js';
import { countedBodyBytes, defaultServerTimeouts } from '../security/limits.js';
import type { Gateway } from './gateway.js';
import { registerAdminChannelRoutes } from './admin-channels.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerOpsRoutes } from './ops-routes.js';
import { renderError } from './render-error.js';
import { timeOrderedId } from './request-id.js';

/** The door's own client check (same errors as the door's handler), for work before the handler runs. */
async function authenticateDoorClient(gateway: Gateway, request: FastifyRequest): Promise<void> {
  if (request.url.startsWith('/v1beta/')) await authenticateGeminiClient(gateway, request);
  else if (request.url.startsWith('/v1/')) await authenticateBearer(gateway, request.headers);
}

export function buildApp(gateway: Gateway): FastifyInstance {
  const timeouts = gateway.serverTimeouts ?? defaultServerTimeouts;
  const app: FastifyInstance = Fastify({
    loggerInstance: gateway.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: gateway.bodyLimitBytes,
    // Slow or stalled clients must not hold a socket forever (docs/security.md, "Timeouts").
    requestTimeout: timeouts.requestTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 2))),
    },
    // Always the gateway's own id: it keys the request's log, hold and ledger rows, so no client can
    // choose it. A client's x-request-id is kept beside it (src/server/client-request-id.ts).
    requestIdHeader: false,
    genReqId: () => timeOrderedId(),
    return503OnClosing: true,
  });
  // No child logger per request (pino builds one for every call otherwise): the lines that concern a
  // request carry its id themselves.
  app.setChildLoggerFactory((logger) => logger);

  // Bodies stay raw Buffers: each door parses them once and renders its own errors.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    async (request: FastifyRequest, payload: IncomingMessage) =>
      readRequestBody(
        payload,
        request.headers['content-length'],
        gateway.bodyLimitBytes,
        requestBuffersOf(request.raw)?.take,
      ),
  );
  // multipart bodies are streamed by the door that accepts them.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));

  // Hooks take Fastify's callback form: most requests pass straight through, with no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const bodyBytes = Number(request.headers['content-length'] ?? 0);
    if (bodyBytes < countedBodyBytes || bodyBytes > gateway.bodyLimitBytes) return done();
    // A large body is read into a reused buffer (src/http/buffer-pool.ts).
    if (gateway.bufferPool) bufferRequestBody(gateway.bufferPool, request.raw, reply.raw);
    const memory = gateway.bodyMemory;
    if (!memory) return done();
    // Only a known client may queue for room: a stranger's large body is refused before it is read.
    // Then it waits here, before the body is read, while large bodies in flight fill the memory bound.
    authenticateDoorClient(gateway, request)
      .then(() => reserveForRequest(memory, reply.raw, bodyBytes))
      .then(() => done(), done);
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    // A large answer is in memory until the client has read it: new large bodies wait for it too.
    const bytes =
      typeof payload === 'string' || (Buffer.isBuffer(payload) && !countedBodies.has(payload))
        ? payload.length
        : 0;
    if (gateway.bodyMemory && bytes >= countedBodyBytes) countAnswer(gateway.bodyMemory, reply.raw, bytes);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        requestId: request.id,
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });
  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    renderError(
      Object.assign(new Error(`No route ${request.method} ${request.url.split('?')[0]}.`), {
        statusCode: 404,
      }),
      request,
      reply,
    ),
  );

  registerOpsRoutes(app, gateway);
  registerWebRoutes(app, gateway);
  registerGeminiDoor(app, gateway);
  registerOpenAiImagesDoor(app, gateway);
  registerOpenAiChatDoor(app, gateway);
  registerAdminChannelRoutes(app, gateway);
  registerAdminRoutes(app, gateway);
  return app;
}
