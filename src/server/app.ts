// Builds the HTTP application: body parsing, request ids, error envelopes, ops routes and the doors.
import type { IncomingMessage } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { readRequestBody } from './read-request-body.js';
import { credentialConstraint, credentialConstraintName } from '../http/credential-constraint.js';
import { requireAdmin } from '../security/admin-auth.js';
import { memoryAccountingPlugin } from '../pipeline/memory-accounting.js';
import { authenticate as authenticateGeminiClient, registerGeminiDoor } from '../doors/gemini/routes.js';
import { authenticateBearer } from '../doors/openai-common/request-context.js';
import { registerWebRoutes } from '../web/register.js';
import { registerOpenAiChatDoor } from '../doors/openai-chat/routes.js';
import { registerOpenAiResponsesDoor } from '../doors/openai-responses/routes.js';
import { registerGeminiInteractionsDoor } from '../doors/gemini-interactions/routes.js';
import { registerOpenAiImagesDoor } from '../doors/openai-images/routes.js';
import { defaultServerTimeouts } from '../security/limits.js';
import type { Gateway } from './gateway.js';
import { registerAdminChannelRoutes } from './admin-channels.js';
import { registerAdminModelSyncRoutes } from './admin-model-sync.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerOpsRoutes } from './ops-routes.js';
import { renderErrorByPath } from './render-error.js';
import { timeOrderedId } from './request-id.js';
import { answerClientError, rememberRequestUrl } from './client-error.js';

/**
 * Checks who sends a body, before a byte of it is read or room is queued for it: the door's own
 * client check (same errors as the door's handler) under /v1beta and /v1, the admin key under
 * /admin. Undefined when the check is synchronous and passed.
 */
function authenticateBodySender(gateway: Gateway, request: FastifyRequest): Promise<unknown> | undefined {
  const path = request.url;
  // Google's OpenAI-compatible base path and OpenAI's /v1 take Bearer keys; Gemini's v1beta and its
  // v1 model methods take Google keys.
  if (path.startsWith('/v1beta/openai/')) return authenticateBearer(gateway, request.headers);
  if (path.startsWith('/v1beta/') || path.startsWith('/v1/models/'))
    return authenticateGeminiClient(gateway, request);
  if (path.startsWith('/v1/')) return authenticateBearer(gateway, request.headers);
  if (path.startsWith('/admin/')) {
    requireAdmin(gateway, request);
    return undefined;
  }
  // Every route that takes a body is behind one of the checks above: a body anywhere else is refused.
  throw noRouteError(request);
}

/** Whether Fastify would read a body for this request (it never reads one for GET or HEAD). */
function carriesBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function noRouteError(request: FastifyRequest): Error {
  return errorCatalogue.NO_ROUTE(request.method, request.url.split('?')[0]);
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
    // choose it. A client's x-request-id is kept beside it (src/pipeline/client-request-id.ts).
    requestIdHeader: false,
    genReqId: () => timeOrderedId(),
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // Routing's own refusals (a URL that does not decode, a path parameter over 100 characters) in
    // the envelope of the door the path belongs to, without the URL echoed back.
    frameworkErrors: (error, request, reply) => renderErrorByPath(error, request, reply),
    // GET /v1/models[/{id}] answers in Gemini's shape to a Google key, in OpenAI's to a Bearer key.
    routerOptions: { constraints: { [credentialConstraintName]: credentialConstraint } },
  });
  // No child logger per request (pino builds one for every call otherwise): the lines that concern a
  // request carry its id themselves.
  app.setChildLoggerFactory((logger) => logger);
  // Each request's share of the body-memory bound and its reused buffers: request.memory.
  app.register(memoryAccountingPlugin, {
    bound: gateway.bodyMemory,
    pool: gateway.bufferPool,
    bodyLimitBytes: gateway.bodyLimitBytes,
  });

  // Bodies stay raw Buffers: each door parses them once and renders its own errors.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    async (request: FastifyRequest, payload: IncomingMessage) =>
      readRequestBody(
        payload,
        request.headers['content-length'],
        gateway.bodyLimitBytes,
        request.memory.take,
        request.memory.arrivalGate,
      ),
  );
  // multipart bodies are streamed by the door that accepts them.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));

  // Hooks take Fastify's callback form: most requests pass straight through, with no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (!carriesBody(request)) return done();
    rememberRequestUrl(request.raw.socket, request.url);
    // No body is read, nor room queued for it, before its sender is known: a stranger's body, or one
    // sent to no route, is answered at once and never held (Node discards what is still coming).
    let authenticated: Promise<unknown> | undefined;
    try {
      if (request.is404) throw noRouteError(request);
      authenticated = authenticateBodySender(gateway, request);
    } catch (error) {
      return done(error as Error);
    }
    if (authenticated) authenticated.then(() => admitBody(request, done), done);
    else admitBody(request, done);
  });
  /** Counts a known client's body against the memory bound: sized ones before they are read, others as they arrive. */
  const admitBody = (request: FastifyRequest, done: (error?: Error) => void) => {
    // A large body waits here, before it is read, while large bodies in flight fill the memory bound.
    const admitted = request.memory.admitBody(request.headers['content-length']);
    if (admitted) admitted.then(() => done(), done);
    else done();
  };
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
  // Each door's scope renders its own errors; the rest (ops, admin, unknown paths) by path.
  app.setErrorHandler(renderErrorByPath);
  app.setNotFoundHandler((request, reply) => renderErrorByPath(noRouteError(request), request, reply));

  registerOpsRoutes(app, gateway);
  registerWebRoutes(app, gateway);
  registerGeminiDoor(app, gateway);
  registerOpenAiImagesDoor(app, gateway);
  registerOpenAiChatDoor(app, gateway);
  registerOpenAiResponsesDoor(app, gateway);
  registerGeminiInteractionsDoor(app, gateway);
  registerAdminChannelRoutes(app, gateway);
  registerAdminModelSyncRoutes(app, gateway);
  registerAdminRoutes(app, gateway);
  return app;
}
