// HTTP routes of the OpenAI Responses door: `POST /v1/responses` (whole or SSE events) with the
// `image_generation` tool, and `GET` / `DELETE /v1/responses/{id}` for stored responses.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { GatewayError } from '../../canonical/errors.js';
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { GenerateContentResponse } from '../../canonical/types.js';
import type { ServedModel } from '../../catalog/served-model.js';
import { parseJsonBody } from '../../http/parse-json-body.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import { errorHandlerFor } from '../../pipeline/error-reply.js';
import type { ConversationDeps } from '../../pipeline/conversation-turns.js';
import type { GenerationDeps } from '../../pipeline/generation.js';
import { type PinnedChannelDeps, pinnedChannelOf } from '../../pipeline/pinned-channel.js';
import {
  consumeSubStream,
  mostTellingFailure,
  prepareSubCalls,
  runSubCalls,
} from '../openai-common/fan-out.js';
import { inlineRemoteImages } from '../openai-common/inline-remote-images.js';
import { openAiErrorBody } from '../openai-common/render-error.js';
import { authenticateBearer, type OpenAiRequestDeps } from '../openai-common/request-context.js';
import { sendJsonPieces } from '../openai-common/send-json-pieces.js';
import { openSseReply } from '../openai-common/sse-writer.js';
import { collectGeneratedImages, noImageError } from '../openai-images/from-canonical.js';
import { transcodeImage } from '../openai-images/transcode.js';
import { inputItemsPage, passThroughOriginOf } from './conversation.js';
import {
  answerText,
  completedImageCall,
  completedResponse,
  itemId,
  messageItem,
  type OutputItem,
  type ResponseMeta,
  type ResponseObject,
} from './from-canonical.js';
import { chooseImageModel, type ResponsesModelDeps } from './image-model.js';
import { clientLeaves, relayPassThrough } from './pass-through.js';
import { forwardStored, type PassThroughDeps, passThroughRoute } from './pass-through-upstream.js';
import { parseInputItemsQuery, parseResponsesBody, type ResponsesBody } from './schema.js';
import {
  door,
  historyFor,
  notFound,
  remember,
  type TurnContext,
  withReferencesResolved,
} from './stored-responses.js';
import { ResponsesStreamAssembler } from './stream-reply.js';
import {
  type ImageToolAt,
  type ResponsesCanonicalRequest,
  responsesRequestToCanonical,
} from './to-canonical.js';

/** What the Responses door needs from the running gateway (src/server/assemble.ts builds it). */
export interface OpenAiResponsesDoorDeps
  extends GenerationDeps,
    OpenAiRequestDeps,
    PinnedChannelDeps,
    ResponsesModelDeps,
    PassThroughDeps,
    ConversationDeps {}

export function registerOpenAiResponsesDoor(app: FastifyInstance, gateway: OpenAiResponsesDoorDeps): void {
  app.register(async (scope) => responsesRoutes(scope, gateway));
}

function responseIdOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

function responsesRoutes(app: FastifyInstance, gateway: OpenAiResponsesDoorDeps): void {
  app.setErrorHandler(errorHandlerFor(openAiErrorBody));

  app.get('/v1/responses/:id', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const id = responseIdOf(request);
    const stored = await gateway.conversations.get(door, id, client.id, Date.now());
    if (!stored) throw notFound(id);
    // A relayed response lives upstream: its channel answers, as it is now.
    const origin = passThroughOriginOf(stored.input);
    if (origin) {
      const forwarded = await forwardStored(gateway, origin, 'GET', id, clientLeaves(reply));
      return reply.code(forwarded.status).type(forwarded.contentType).send(forwarded.body);
    }
    return reply.type('application/json; charset=utf-8').send(stored.body);
  });

  app.get('/v1/responses/:id/input_items', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const id = responseIdOf(request);
    const query = parseInputItemsQuery(request.query);
    const stored = await gateway.conversations.get(door, id, client.id, Date.now());
    if (!stored) throw notFound(id);
    const origin = passThroughOriginOf(stored.input);
    if (origin) {
      const search = new URLSearchParams(
        Object.entries(query).flatMap(([name, value]) =>
          value === undefined ? [] : [[name, String(value)]],
        ),
      ).toString();
      const suffix = `/input_items${search ? `?${search}` : ''}`;
      const forwarded = await forwardStored(gateway, origin, 'GET', id, clientLeaves(reply), suffix);
      return reply.code(forwarded.status).type(forwarded.contentType).send(forwarded.body);
    }
    return inputItemsPage(stored, query);
  });

  app.delete('/v1/responses/:id', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const id = responseIdOf(request);
    // An expired turn not yet purged is as gone as a deleted one.
    const stored = await gateway.conversations.get(door, id, client.id, Date.now());
    if (!stored) throw notFound(id);
    const origin = passThroughOriginOf(stored.input);
    if (origin) {
      const forwarded = await forwardStored(gateway, origin, 'DELETE', id, clientLeaves(reply)).catch(
        async (error: unknown) => {
          // Gone upstream is gone here too.
          if (error instanceof GatewayError && error.errorClass === 'not_found') {
            await gateway.conversations.delete(door, id, client.id);
          }
          throw error;
        },
      );
      await gateway.conversations.delete(door, id, client.id);
      return reply.code(forwarded.status).type(forwarded.contentType).send(forwarded.body);
    }
    if (!(await gateway.conversations.delete(door, id, client.id))) throw notFound(id);
    return { id, object: 'response', deleted: true };
  });

  app.post('/v1/responses', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const json = parseJsonBody(request.body);
    const body = parseResponsesBody(json);
    // A text model a channel relays as-is (Responses pass-through); catalog models stay canonical.
    const route =
      body.model !== undefined && !gateway.catalog.resolve(body.model)
        ? passThroughRoute(gateway, body.model)
        : undefined;
    if (route) {
      return relayPassThrough(gateway, request, reply, {
        client,
        body,
        json: json as Record<string, unknown>,
        route,
      });
    }
    refuseUnsupported(body);
    const choice = chooseImageModel(gateway, body, reply.raw);
    const history = await historyFor(gateway, body, client);
    body.input = await withReferencesResolved(gateway, body.input, client);
    const stream = body.stream === true;
    const canonical = responsesRequestToCanonical(body, {
      history,
      ...(choice.tool ? { tool: choice.tool } : {}),
      model: choice.served.served,
      stream,
    });
    const clientGone = abortWhenClientLeaves(reply);
    canonical.request = await inlineRemoteImages(canonical.request, canonical.paramOf);
    const [subCall] = prepareSubCalls(
      gateway,
      {
        clientRequest: clientRequestOf(request.headers, request.id),
        door,
        client,
        model: choice.served.served,
        requestedModel: choice.served.requested,
        request: canonical.request,
        payloadBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
        stream,
        signal: clientGone,
        memory: request.memory,
        pinnedChannel: pinnedChannelOf(gateway, request.headers),
        startedAt: performance.now(),
      },
      request.id,
      1,
      { ...paramNames(choice.tool), ...canonical.imageParamNames },
    );
    const meta: ResponseMeta = {
      id: `resp_${request.id.replaceAll('-', '')}`,
      createdAt: Math.floor(Date.now() / 1000),
      model: choice.served.served.id,
      body,
      store: body.store !== false,
    };
    const turn: TurnContext = { gateway, client, meta, canonical };
    if (stream) return streamResponse(turn, request, reply, subCall);
    const { succeeded, failures } = await runSubCalls(gateway, [subCall]);
    const [result] = succeeded;
    if (!result) throw mostTellingFailure(failures);
    const output = await outputItems(turn, [result.response]);
    const response = completedResponse(
      meta,
      output,
      result.response.usageMetadata,
      canonical.image !== undefined,
    );
    const pieces = jsonWithImagesPieces(response);
    await remember(turn, pieces, [result.response]);
    reply.header('x-imagegate-channel', result.channel);
    return sendJsonPieces(reply, pieces);
  });
}

/** Request fields the image gateway cannot honour: a 400 naming them rather than a silent drop. */
function refuseUnsupported(body: ResponsesBody): void {
  if (body.background === true) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Background mode is not supported by this gateway; leave 'background' out and wait for the answer (or stream it).`,
      'background',
    );
  }
  if (body.conversation !== undefined && body.conversation !== null) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Conversations objects are not supported by this gateway; continue a response with 'previous_response_id'.`,
      'conversation',
    );
  }
}

/** Canonical field paths the capability checks report → this door's own names. */
function paramNames(tool: ImageToolAt | undefined): Readonly<Record<string, string>> {
  const size = tool ? `tools[${tool.index}].size` : 'tools';
  return {
    'generationConfig.imageConfig.aspectRatio': size,
    'generationConfig.imageConfig.imageSize': tool?.tool.size ? size : `tools[${tool?.index ?? 0}].quality`,
    'generationConfig.candidateCount': 'input',
    contents: 'input',
  };
}

/** Whether the conversation held an image for the tool to edit. */
function editsAnImage(canonical: ResponsesCanonicalRequest): boolean {
  return canonical.request.contents.some((content) =>
    (content.parts ?? []).some((part) => part.inlineData !== undefined && part.thought !== true),
  );
}

/** Images (in the tool's format) and text of the answers → output items; no image where one was required → error. */
async function outputItems(
  turn: TurnContext,
  responses: readonly GenerateContentResponse[],
): Promise<OutputItem[]> {
  const { canonical, meta } = turn;
  const output: OutputItem[] = [];
  const image = canonical.image;
  if (image) {
    const finals = collectGeneratedImages(responses);
    if (finals.length === 0 && canonical.imageRequired) throw noImageError(responses);
    for (const [index, final] of finals.entries()) {
      const encoded = await transcodeImage(final, image.format, image.compression);
      output.push(
        completedImageCall(
          itemId('ig', meta.id, index),
          encoded,
          image,
          canonical.prompt,
          editsAnImage(canonical),
        ),
      );
    }
  }
  const text = answerText(responses);
  if (text) output.push(messageItem(itemId('msg', meta.id, output.length), text));
  return output;
}

async function streamResponse(
  turn: TurnContext,
  request: FastifyRequest,
  reply: FastifyReply,
  subCall: Parameters<typeof consumeSubStream>[1]['subCall'],
) {
  const { gateway, canonical, meta } = turn;
  const { writer, opened, close } = await openSseReply(gateway, request, reply, [subCall]);
  const assembler = new ResponsesStreamAssembler(meta, {
    ...(canonical.image ? { image: canonical.image } : {}),
    prompt: canonical.prompt,
    edited: editsAnImage(canonical),
  });
  let completed: ResponseObject | undefined;
  let failure: GatewayError | undefined;
  const writeFrames = async (frames: readonly Buffer[][]): Promise<number> => {
    for (const frame of frames) await writer.write(frame);
    return writer.isOpen ? frames.length : 0;
  };
  try {
    await writeFrames(assembler.start());
    const consumed = await consumeSubStream(
      gateway,
      opened[0],
      async (event) => {
        const frames = await assembler.onEvent(event.response);
        return (await writeFrames(frames)) > 0 ? frames.length : 0;
      },
      // The final image goes out before the call is settled, so the settle counts it.
      async (ended) => {
        if (ended.error) return 0;
        if (assembler.finalImageCount === 0 && canonical.imageRequired) {
          failure = noImageError([]);
          return 0;
        }
        const { frames, response } = await assembler.finish(ended.usage);
        completed = response;
        const open = writer.isOpen;
        await writeFrames(frames);
        return open ? assembler.finalImageCount : 0;
      },
    );
    failure ??= consumed.error;
    if (failure) {
      await writeFrames(assembler.failed(openAiErrorBody(failure).error));
    } else if (completed) {
      await remember(turn, jsonWithImagesPieces(completed), assembler.answers);
    }
  } finally {
    close();
  }
}

export type { ServedModel };
