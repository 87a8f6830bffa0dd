// HTTP routes of the OpenAI Images door: `POST /v1/images/generations` (JSON) and
// `POST /v1/images/edits` (multipart or the JSON form), whole replies or `image_*` SSE events.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { ClientKeyRecord } from '../../store/index.js';
import { countImages } from '../../routing/response-outcome.js';
import { attachOpenAiImageOptions } from '../../canonical/openai-image-options.js';
import { abortWhenClientLeaves } from '../../pipeline/client-gone.js';
import { clientRequestOf } from '../../pipeline/client-request-id.js';
import type { GenerationDeps } from '../../pipeline/generation.js';
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
  serveOpenAiModel,
} from '../openai-common/request-context.js';
import { standInForEditDataUrls } from '../../canonical/data-urls.js';
import { sendJsonPieces } from '../openai-common/send-json-pieces.js';
import { openSseReply, type SseWriter } from '../openai-common/sse-writer.js';
import { type ImagesStreamKind, imagesResponseFromCanonical, noImageError } from './from-canonical.js';
import { parseImagesEditMultipart } from './multipart.js';
import {
  type ImagesEditsBody,
  type ImagesGenerationsBody,
  parseImagesEditsBody,
  parseImagesGenerationsBody,
} from './schema.js';
import { ImagesStreamAssembler, imagesStreamErrorFrame } from './stream-reply.js';
import {
  type InputImage,
  imagesRequestToCanonical,
  jsonEditImagesToInputs,
  openAiImageOptionsFor,
} from './to-canonical.js';

/** What the Images door needs from the running gateway (src/server/assemble.ts builds it). */
export interface OpenAiImagesDoorDeps extends GenerationDeps, OpenAiRequestDeps, PinnedChannelDeps {
  bodyLimitBytes: number;
}

interface ImagesCall {
  kind: ImagesStreamKind;
  client: ClientKeyRecord;
  body: ImagesGenerationsBody | ImagesEditsBody;
  images: InputImage[];
  mask?: InputImage;
  payloadBytes: number;
  /** The client field that holds the input images (`image` multipart, `images` JSON). */
  imagesParam: string;
}

function bodyBytes(body: unknown): number {
  return Buffer.isBuffer(body) ? body.length : 0;
}

function isMultipart(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

function tooLarge(limit: number): GatewayError {
  return errorCatalogue.BODY_TOO_LARGE(
    `The request body is larger than this gateway's ${limit}-byte limit. Send smaller or fewer images.`,
  );
}

/** Streams the multipart body through busboy, counting bytes so the body limit holds without a Content-Length. */
async function readMultipartEdit(gateway: OpenAiImagesDoorDeps, request: FastifyRequest) {
  const limit = gateway.bodyLimitBytes;
  if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
  let total = 0;
  // A body of unknown length is counted against the memory bound as it arrives (src/pipeline/memory-accounting.ts).
  const beforeMore = request.memory.arrivalGate;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > limit) return done(tooLarge(limit));
      const gate = beforeMore?.(total);
      if (gate) gate.then(() => done(null, chunk), done);
      else done(null, chunk);
    },
  });
  request.raw.pipe(counter);
  try {
    const parsed = await parseImagesEditMultipart(counter, request.headers, { maxFileBytes: limit });
    return { ...parsed, payloadBytes: total };
  } catch (error) {
    throw total > limit ? tooLarge(limit) : error;
  }
}

/** The Images door is its own Fastify scope: every failure under it answers in OpenAI's envelope. */
export function registerOpenAiImagesDoor(app: FastifyInstance, gateway: OpenAiImagesDoorDeps): void {
  for (const prefix of openAiBasePaths) app.register(async (door) => imagesRoutes(door, gateway), { prefix });
}

function imagesRoutes(app: FastifyInstance, gateway: OpenAiImagesDoorDeps): void {
  app.setErrorHandler(errorHandlerFor(openAiErrorBody));

  app.post('/images/generations', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    const body = parseImagesGenerationsBody(parseJsonBody(request.body));
    const payloadBytes = bodyBytes(request.body);
    return answer(gateway, request, reply, {
      kind: 'generation',
      client,
      body,
      images: [],
      payloadBytes,
      imagesParam: 'prompt',
    });
  });

  app.post('/images/edits', async (request, reply) => {
    const client = await authenticateBearer(gateway, request.headers);
    if (isMultipart(request)) {
      const multipart = await readMultipartEdit(gateway, request);
      const body = parseImagesEditsBody(multipart.fields);
      if (multipart.images.length === 0) {
        throw errorCatalogue.MISSING_PARAMETER(
          `Missing required parameter: 'image'. Send the image to edit as a file part named 'image' (or repeated 'image[]').`,
          'image',
        );
      }
      const call: ImagesCall = {
        kind: 'edit',
        client,
        body,
        images: multipart.images,
        payloadBytes: multipart.payloadBytes,
        imagesParam: 'image',
      };
      if (multipart.mask) call.mask = multipart.mask;
      return answer(gateway, request, reply, call);
    }
    const parsed = parseJsonBody(request.body);
    const lazyDataUrls = standInForEditDataUrls(parsed);
    const body = parseImagesEditsBody(parsed);
    if (!body.images) {
      throw errorCatalogue.MISSING_PARAMETER(
        `Missing required parameter: 'images'. Send {"images": [{"image_url": "data:image/png;base64,…"}]} or a multipart body with 'image'.`,
        'images',
      );
    }
    const inputs = jsonEditImagesToInputs(body, lazyDataUrls);
    const call: ImagesCall = {
      kind: 'edit',
      client,
      body,
      images: inputs.images,
      payloadBytes: bodyBytes(request.body),
      imagesParam: 'images',
    };
    if (inputs.mask) call.mask = inputs.mask;
    return answer(gateway, request, reply, call);
  });
}

async function answer(
  gateway: OpenAiImagesDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  images: ImagesCall,
) {
  const { served: model, requested: requestedModel } = serveOpenAiModel(
    gateway,
    images.body.model,
    reply.raw,
  );
  const canonical = imagesRequestToCanonical(images.body, images.images, images.mask, model.capabilities);
  // Parts are [prompt, image…, mask instruction, mask]: name the client field a bad URL came from.
  const canonicalRequest = await inlineRemoteImages(canonical.request, (_content, part) =>
    part - 1 < images.images.length ? `images[${part - 1}].image_url` : 'mask.image_url',
  );
  const streaming = images.body.stream === true;
  attachOpenAiImageOptions(canonicalRequest, openAiImageOptionsFor(images.body));
  const clientGone = abortWhenClientLeaves(reply);
  const subCalls = prepareSubCalls(
    gateway,
    {
      clientRequest: clientRequestOf(request.headers, request.id),
      door: 'openai-images',
      client: images.client,
      model,
      requestedModel,
      request: canonicalRequest,
      payloadBytes: images.payloadBytes,
      stream: streaming,
      signal: clientGone,
      // A large answer is counted against the memory bound as it is read (it leaves as views of it).
      memory: request.memory,
      pinnedChannel: pinnedChannelOf(gateway, request.headers),
      startedAt: performance.now(),
    },
    request.id,
    canonical.n,
    {
      'generationConfig.imageConfig.aspectRatio': 'size',
      'generationConfig.imageConfig.imageSize': 'size',
      contents: images.imagesParam,
    },
  );
  const created = Math.floor(Date.now() / 1000);
  if (streaming) {
    return streamImages(gateway, request, reply, subCalls, {
      kind: images.kind,
      output: canonical.output,
      partialImages: images.body.partial_images ?? 0,
      createdAt: created,
    });
  }
  const { succeeded, failures } = await runSubCalls(gateway, subCalls);
  const withImages = succeeded.filter((result) => countImages(result.response) > 0);
  if (withImages.length === 0) {
    throw succeeded.length > 0
      ? noImageError(succeeded.map((result) => result.response))
      : mostTellingFailure(failures);
  }
  const body = await imagesResponseFromCanonical(
    withImages.map((result) => result.response),
    canonical.output,
    created,
  );
  reply.header('x-imagegate-channel', [...new Set(withImages.map((result) => result.channel))].join(','));
  return sendJsonPieces(reply, jsonWithImagesPieces(body));
}

async function streamImages(
  gateway: OpenAiImagesDoorDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  subCalls: SubCall[],
  options: ConstructorParameters<typeof ImagesStreamAssembler>[0],
) {
  // Failures before any stream opened are ordinary HTTP errors in the OpenAI envelope.
  const { writer, opened, failures, close } = await openSseReply(gateway, request, reply, subCalls);
  let completed = 0;
  const errors: GatewayError[] = [...failures];
  try {
    await Promise.all(
      opened.map(async (entry) => {
        const assembler = new ImagesStreamAssembler(options);
        const consumed = await consumeSubStream(
          gateway,
          entry,
          async (event) => writeFrames(writer, await assembler.onEvent(event.response)),
          // The final images go out before the call is settled, so the settle counts them.
          async (ended) => {
            const sent = await writeFrames(writer, await assembler.finish(ended.usage));
            completed += sent;
            return sent;
          },
        );
        if (consumed.error) errors.push(consumed.error);
      }),
    );
    if (completed === 0) {
      const failure = errors.length > 0 ? mostTellingFailure(errors) : noImageError([]);
      await writer.write(imagesStreamErrorFrame(openAiErrorBody(failure)));
    }
  } finally {
    close();
  }
}

/** Writes image frames (one image each); answers how many went out to a client still there. */
async function writeFrames(writer: SseWriter, frames: readonly string[]): Promise<number> {
  let sent = 0;
  for (const frame of frames) {
    if (!writer.isOpen) break;
    await writer.write(frame);
    sent += 1;
  }
  return sent;
}
