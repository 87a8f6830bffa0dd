// HTTP routes of the Gemini Interactions door: `POST /v1beta/interactions` (whole or SSE events),
// `GET` / `DELETE /v1beta/interactions/{id}` for stored interactions. Google's auth and envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GatewayError } from '../../canonical/errors.js';
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { Content, GenerateContentResponse } from '../../canonical/types.js';
import { parseJsonBody } from '../../http/parse-json-body.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import { errorHandlerFor } from '../../pipeline/error-reply.js';
import { pinnedChannelOf } from '../../pipeline/pinned-channel.js';
import type { ClientKeyRecord } from '../../store/index.js';
import { signaturesOf, storedTurnInput } from '../../canonical/stored-turn.js';
import { type ConversationDeps, continuedTurns, keepTurn } from '../../pipeline/conversation-turns.js';
import { authenticate, type GeminiDoorDeps, resolveModel, serveGeminiModel } from '../gemini/routes.js';
import { geminiErrorBody } from '../gemini/render-error.js';
import {
  consumeSubStream,
  mostTellingFailure,
  prepareSubCalls,
  runSubCalls,
} from '../openai-common/fan-out.js';
import { inlineRemoteImages } from '../openai-common/inline-remote-images.js';
import { sendJsonPieces } from '../openai-common/send-json-pieces.js';
import { openSseReply } from '../openai-common/sse-writer.js';
import type { ImagesOutputFormat } from '../openai-images/schema.js';
import { transcodeImage } from '../openai-images/transcode.js';
import { historyOf } from './conversation.js';
import {
  completedInteraction,
  type InteractionMeta,
  type InteractionObject,
  isoSeconds,
  userInputSteps,
} from './from-canonical.js';
import { type InteractionBody, parseInteractionBody } from './schema.js';
import { InteractionStreamAssembler, replayFrames } from './stream-reply.js';
import { interactionRequestToCanonical } from './to-canonical.js';

/** What the Interactions door needs from the running gateway (src/server/assemble.ts builds it). */
export interface GeminiInteractionsDoorDeps extends GeminiDoorDeps, ConversationDeps {}

const door = 'gemini-interactions';
const formatOfMime: Readonly<Record<string, ImagesOutputFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};

export function registerGeminiInteractionsDoor(
  app: FastifyInstance,
  gateway: GeminiInteractionsDoorDeps,
): void {
  app.register(async (scope) => interactionRoutes(scope, gateway));
}

function notFound(id: string, param?: string): GatewayError {
  return errorCatalogue.STORED_TURN_NOT_FOUND(
    `Interaction '${id}' was not found. Stored interactions are kept for a limited time and only the key that made one can read or continue it.`,
    param,
  );
}

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

function interactionRoutes(app: FastifyInstance, gateway: GeminiInteractionsDoorDeps): void {
  app.setErrorHandler(errorHandlerFor(geminiErrorBody));
  for (const version of ['v1beta', 'v1']) {
    app.get(`/${version}/interactions/:id`, async (request, reply) => {
      const client = await authenticate(gateway, request);
      const id = idOf(request);
      const stored = await gateway.conversations.get(door, id, client.id, Date.now());
      if (!stored) throw notFound(id);
      // `?stream=true` (the SDK's get with stream) replays the answer as the events it was.
      if ((request.query as { stream?: string }).stream === 'true') {
        const frames = replayFrames(JSON.parse(stored.body) as InteractionObject);
        return reply.type('text/event-stream').send(Buffer.concat(frames.flat()));
      }
      return reply.type('application/json; charset=UTF-8').send(stored.body);
    });

    app.delete(`/${version}/interactions/:id`, async (request) => {
      const client = await authenticate(gateway, request);
      const id = idOf(request);
      const stored = await gateway.conversations.get(door, id, client.id, Date.now());
      if (!stored || !(await gateway.conversations.delete(door, id, client.id))) throw notFound(id);
      return {};
    });

    app.post(`/${version}/interactions`, async (request, reply) =>
      createInteraction(gateway, request, reply),
    );
  }
}

async function createInteraction(
  gateway: GeminiInteractionsDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const client = await authenticate(gateway, request);
  const body = parseInteractionBody(parseJsonBody(request.body));
  if (body.agent !== undefined) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Agents are not served by this gateway; name an image 'model'.`,
      'agent',
    );
  }
  if (body.background === true) {
    throw errorCatalogue.UNSUPPORTED_VALUE(
      `Background interactions are not supported by this gateway; leave 'background' out (or stream).`,
      'background',
    );
  }
  const served = serveGeminiModel(gateway, resolveModel(gateway, body.model, 'interactions'), reply);
  const history = await historyFor(gateway, body, client);
  const canonical = interactionRequestToCanonical(body, history);
  canonical.request = await inlineRemoteImages(canonical.request, canonical.paramOf);
  const stream = body.stream === true;
  const [subCall] = prepareSubCalls(
    gateway,
    {
      clientRequest: clientRequestOf(request.headers, request.id),
      door,
      client,
      model: served.served,
      requestedModel: served.requested,
      request: canonical.request,
      payloadBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
      stream,
      signal: abortWhenClientLeaves(reply),
      memory: request.memory,
      pinnedChannel: pinnedChannelOf(gateway, request.headers),
      startedAt: performance.now(),
    },
    request.id,
    1,
    { ...canonical.imageFields, contents: 'input' },
  );
  const turn: Turn = {
    gateway,
    client,
    meta: {
      id: `v1_${request.id.replaceAll('-', '')}`,
      model: served.served.id,
      created: isoSeconds(Date.now()),
      body,
    },
    // This turn's input with remote images fetched: what later turns and GET show.
    input: canonical.request.contents.slice(history.length),
    outputMime: canonical.outputMimeType,
  };
  if (stream) return streamInteraction(turn, request, reply, subCall);
  const { succeeded, failures } = await runSubCalls(gateway, [subCall]);
  const [result] = succeeded;
  if (!result) throw mostTellingFailure(failures);
  const response = await inOutputFormat(result.response, turn.outputMime);
  const interaction = completedInteraction(turn.meta, [response], response.usageMetadata);
  await remember(turn, interaction, [response]);
  reply.header('x-imagegate-channel', result.channel);
  return sendJsonPieces(reply, jsonWithImagesPieces(interaction));
}

interface Turn {
  gateway: GeminiInteractionsDoorDeps;
  client: ClientKeyRecord;
  meta: InteractionMeta;
  input: Content[];
  outputMime?: string;
}

async function historyFor(
  gateway: GeminiInteractionsDoorDeps,
  body: InteractionBody,
  client: ClientKeyRecord,
) {
  const previous = body.previous_interaction_id;
  if (!previous) return [];
  const turns = await continuedTurns(gateway, door, previous, client.id);
  if (!turns) throw notFound(previous, 'previous_interaction_id');
  return historyOf(turns);
}

/** The answer's final images in the `response_format` mime type, transcoded where they differ. */
async function inOutputFormat(response: GenerateContentResponse, mime: string | undefined) {
  const format = mime === undefined ? undefined : formatOfMime[mime];
  if (!format) return response;
  for (const candidate of response.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (!part.inlineData?.mimeType.startsWith('image/') || part.inlineData.mimeType === mime) continue;
      const image = await transcodeImage(
        { mimeType: part.inlineData.mimeType, data: String(part.inlineData.data ?? '') },
        format,
      );
      part.inlineData = { mimeType: image.mimeType, data: image.data };
    }
  }
  return response;
}

/** Keeps a stored interaction (unless `store: false`): GET shows the user_input step, then the output. */
async function remember(
  turn: Turn,
  interaction: InteractionObject,
  answers: readonly GenerateContentResponse[],
): Promise<void> {
  const { gateway, meta, client } = turn;
  if (meta.body.store === false) return;
  const timeline = { ...interaction, steps: [...userInputSteps(turn.input), ...(interaction.steps ?? [])] };
  await keepTurn(gateway, {
    id: meta.id,
    door,
    keyId: client.id,
    previousId: meta.body.previous_interaction_id ?? null,
    model: meta.model,
    input: storedTurnInput(turn.input, signaturesOf(answers)),
    body: Buffer.concat(jsonWithImagesPieces(timeline)).toString('utf8'),
  });
}

async function streamInteraction(
  turn: Turn,
  request: FastifyRequest,
  reply: FastifyReply,
  subCall: Parameters<typeof consumeSubStream>[1]['subCall'],
) {
  const { gateway, meta } = turn;
  const { writer, opened, close } = await openSseReply(gateway, request, reply, [subCall]);
  const assembler = new InteractionStreamAssembler(meta);
  let completed: InteractionObject | undefined;
  const write = async (frames: readonly Buffer[][]) => {
    const open = writer.isOpen;
    for (const frame of frames) await writer.write(frame);
    return open;
  };
  try {
    await write(assembler.start());
    const consumed = await consumeSubStream(gateway, opened[0], async (event) => {
      const before = assembler.images;
      const frames = assembler.onEvent(await inOutputFormat(event.response, turn.outputMime));
      return (await write(frames)) ? assembler.images - before : 0;
    });
    if (consumed.error) {
      const body = geminiErrorBody(consumed.error).error;
      await write(
        assembler.failed({ code: String(body.status ?? 'INTERNAL'), message: String(body.message) }),
      );
    } else {
      const { frames, interaction } = assembler.finish(consumed.usage);
      completed = interaction;
      await write(frames);
    }
    if (completed) await remember(turn, completed, assembler.answers);
  } finally {
    close();
  }
}
