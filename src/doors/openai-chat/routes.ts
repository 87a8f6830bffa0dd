// HTTP routes of the OpenAI chat door for image models: `POST /v1/chat/completions` (whole or
// `chat.completion.chunk` SSE), and `GET /v1/models` / `GET /v1/models/{id}` in OpenAI's list shape.
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import { countImages } from '../../routing/response-outcome.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../../canonical/errors.js';
import type { UsageMetadata } from '../../canonical/types.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import type { GenerationDeps } from '../../pipeline/generation.js';
import type { RouteChannel } from '../../routing/channel.js';
import type { RoutePresenceView } from '../../health/route-presence.js';
import { routedModels } from '../../routing/routed-models.js';
import { parseJsonBody } from '../../http/parse-json-body.js';
import { type PinnedChannelDeps, pinnedChannelOf } from '../../pipeline/pinned-channel.js';
import { errorHandlerFor } from '../../pipeline/error-reply.js';
import {
  consumeSubStream,
  mostTellingFailure,
  prepareSubCalls,
  runSubCalls,
  type SubCall,
} from '../openai-common/fan-out.js';
import { inlineRemoteImages } from '../openai-common/inline-remote-images.js';
import { openAiBasePaths } from '../openai-common/base-paths.js';
import { openAiErrorBody } from '../openai-common/render-error.js';
import {
  authenticateBearer,
  type OpenAiRequestDeps,
  resolveOpenAiModel,
  serveOpenAiModel,
} from '../openai-common/request-context.js';
import { sendJsonPieces } from '../openai-common/send-json-pieces.js';
import { openSseReply } from '../openai-common/sse-writer.js';
import {
  type ChatReplyMeta,
  chatCompletionFromCanonical,
  chatStreamDone,
  chatUsageChunk,
  chatUsageFromMetadata,
  formatChatStreamChunk,
} from './from-canonical.js';
import { openAiModelList, openAiModelResource } from './models.js';
import { parseChatCompletionsBody } from './schema.js';
import { ChatStreamAssembler, chatStreamErrorFrame } from './stream-reply.js';
import { standInForChatDataUrls } from '../../canonical/data-urls.js';
import { chatRequestToCanonical } from './to-canonical.js';

/** What the chat door needs from the running gateway (src/server/assemble.ts builds it). */
export interface OpenAiChatDoorDeps extends GenerationDeps, OpenAiRequestDeps, PinnedChannelDeps {
  channels: RouteChannel[];
  routePresence: RoutePresenceView;
}

/** Canonical field paths the capability checks report → the chat body's own names. */
const chatParamNames: Readonly<Record<string, string>> = {
  'generationConfig.imageConfig.aspectRatio': 'image_config.aspect_ratio',
  'generationConfig.imageConfig.imageSize': 'image_config.image_size',
  'generationConfig.candidateCount': 'n',
  contents: 'messages',
};

/** The chat door is its own Fastify scope: every failure under it answers in OpenAI's envelope. */
export function registerOpenAiChatDoor(app: FastifyInstance, gateway: OpenAiChatDoorDeps): void {
  for (const prefix of openAiBasePaths) app.register(async (door) => chatRoutes(door, gateway), { prefix });
}

function chatRoutes(app: FastifyInstance, gateway: OpenAiChatDoorDeps): void {
  app.setErrorHandler(errorHandlerFor(openAiErrorBody));

  app.get('/models', async (request) => {
    await authenticateBearer(gateway, request.headers);
    return openAiModelList(
      routedModels(gateway.lifecycle, gateway.channels, (channel, model) =>
        gateway.routePresence.isGone(channel, model),
      ),
      (model) => gateway.lifecycle.lifecycle(model).shutdown,
    );
  });

  app.get('/models/*', async (request) => {
    await authenticateBearer(gateway, request.headers);
    const id = (request.params as Record<string, string>)['*'];
    const model = resolveOpenAiModel(gateway, id);
    return openAiModelResource(model, gateway.lifecycle.lifecycle(model).shutdown);
  });

  app.post('/chat/completions', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const parsed = parseJsonBody(request.body);
    const lazyDataUrls = standInForChatDataUrls(parsed);
    const body = parseChatCompletionsBody(parsed);
    const { served: model, requested: requestedModel } = serveOpenAiModel(gateway, body.model, reply.raw);
    const canonical = chatRequestToCanonical(body, lazyDataUrls);
    const canonicalRequest = await inlineRemoteImages(canonical.request, (content, part) => {
      return `messages[${content}].content[${part}].image_url.url`;
    });
    const clientGone = abortWhenClientLeaves(reply);
    const subCalls = prepareSubCalls(
      gateway,
      {
        clientRequest: clientRequestOf(request.headers, request.id),
        door: 'openai-chat',
        client,
        model,
        requestedModel,
        request: canonicalRequest,
        payloadBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
        stream: canonical.stream,
        signal: clientGone,
        // A large answer is counted against the memory bound as it is read (it leaves as views of it).
        memory: request.memory,
        pinnedChannel: pinnedChannelOf(gateway, request.headers),
        startedAt: performance.now(),
      },
      request.id,
      canonical.n,
      chatParamNames,
    );
    const meta: ChatReplyMeta = {
      id: `chatcmpl-${request.id}`,
      created: Math.floor(Date.now() / 1000),
      model: model.id,
    };
    if (canonical.stream) {
      return streamChat(gateway, request, reply, subCalls, meta, canonical.includeUsage);
    }
    const { succeeded, failures } = await runSubCalls(gateway, subCalls);
    if (succeeded.length === 0) throw mostTellingFailure(failures);
    const completion = chatCompletionFromCanonical(
      succeeded.map((result) => result.response),
      meta,
    );
    reply.header('x-imagegate-channel', [...new Set(succeeded.map((result) => result.channel))].join(','));
    return sendJsonPieces(reply, jsonWithImagesPieces(completion));
  });
}

async function streamChat(
  gateway: OpenAiChatDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  subCalls: SubCall[],
  meta: ChatReplyMeta,
  includeUsage: boolean,
) {
  const { writer, opened, close } = await openSseReply(gateway, request, reply, subCalls);
  const usages: (UsageMetadata | undefined)[] = [];
  const errors: GatewayError[] = [];
  let finished = 0;
  // One choice per sub-call; with one choice its closing chunk carries the usage, with several a
  // final usage-only chunk (choices: []) sums them, as OpenAI sends it.
  const usageOnClosingChunk = includeUsage && subCalls.length === 1;
  try {
    await Promise.all(
      opened.map(async (entry, choiceIndex) => {
        const assembler = new ChatStreamAssembler(meta, choiceIndex);
        const consumed = await consumeSubStream(gateway, entry, async (event) => {
          const open = writer.isOpen;
          for (const frame of assembler.onEvent(event.response)) await writer.write(frame);
          return open ? countImages(event.response) : 0;
        });
        if (consumed.error) {
          errors.push(consumed.error);
          return;
        }
        usages.push(consumed.usage);
        await writer.write(assembler.finish(consumed.usage, usageOnClosingChunk));
        finished += 1;
      }),
    );
    if (finished === 0) {
      await writer.write(chatStreamErrorFrame(openAiErrorBody(mostTellingFailure(errors))));
    } else if (includeUsage && !usageOnClosingChunk) {
      await writer.write(formatChatStreamChunk(chatUsageChunk(chatUsageFromMetadata(usages), meta)));
    }
    await writer.write(chatStreamDone);
  } finally {
    close();
  }
}
