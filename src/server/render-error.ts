// Answers what no door's own scope answers (ops routes, admin, unknown paths, broken connections) in
// the envelope of the door its path belongs to: OpenAI's under /v1/, /v1beta/openai/ and /admin/,
// Google's elsewhere (and under /v1/models/, where the Gemini v1 model methods take bodies).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../canonical/errors.js';
import { geminiErrorBody } from '../doors/gemini/render-error.js';
import { openAiErrorBody } from '../doors/openai-common/render-error.js';
import { type ErrorRenderer, sendError } from '../pipeline/error-reply.js';

/** Outside the doors' own scopes: the envelope by path prefix (the Gemini one elsewhere). */
const envelopesByPath: ReadonlyArray<{ prefix: string; render: ErrorRenderer }> = [
  { prefix: '/v1/models/', render: geminiErrorBody },
  { prefix: '/v1beta/openai/', render: openAiErrorBody },
  { prefix: '/v1/', render: openAiErrorBody },
  { prefix: '/admin/', render: openAiErrorBody },
];

export function rendererForPath(url: string): ErrorRenderer {
  const path = url.split('?')[0];
  return envelopesByPath.find((entry) => path.startsWith(entry.prefix))?.render ?? geminiErrorBody;
}

/** The handler for everything outside the doors' scopes: the envelope by path. */
export function renderErrorByPath(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  sendError(error, request, reply, rendererForPath(request.url));
}

/** The error as the JSON text of the envelope that `url` belongs to (for answers outside Fastify). */
export function errorEnvelopeText(url: string, failure: GatewayError): string {
  return JSON.stringify(rendererForPath(url)(failure));
}
