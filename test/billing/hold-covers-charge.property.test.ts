// Property: whatever a client asks, through any door, of any catalog model, streamed or not, the
// hold placed before the upstream call is at least what the refund policy charges for the dearest
// answer the upstream could legitimately give (every image it may return, at the size and quality
// it may pick, with the usage the simulator's provider tables report).
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '../../src/billing/estimate-tokens.js';
import { decideCharge } from '../../src/billing/refund-policy.js';
import { requestBounds, worstCase } from '../../src/billing/worst-case.js';
import { type CatalogModel, loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { attachOpenAiImageOptions, openAiImageOptionsOf } from '../../src/canonical/openai-image-options.js';
import type { GenerateContentRequest, UsageMetadata } from '../../src/canonical/types.js';
import { chatRequestToCanonical } from '../../src/doors/openai-chat/to-canonical.js';
import { parseChatCompletionsBody } from '../../src/doors/openai-chat/schema.js';
import { normalizeGeminiRequest } from '../../src/doors/gemini/normalize-request.js';
import { parseImagesEditsBody, parseImagesGenerationsBody } from '../../src/doors/openai-images/schema.js';
import {
  imagesRequestToCanonical,
  openAiImageOptionsFor,
} from '../../src/doors/openai-images/to-canonical.js';
import { convertRequestToOpenAiImages } from '../../src/providers/openai/convert-request.js';
import { usageMetadataFromOpenAi } from '../../src/providers/openai/parse-response.js';
import { checkCapabilities } from '../../src/routing/validate-request.js';
import { summarizeFor } from '../../src/pipeline/generation.js';
import {
  gptImageTokens,
  imageTokensFor,
  knownGeminiModel,
  textTokens,
} from '../../src/sim/model-families.js';
import { gptInputImageTokens } from '../../src/sim/openai-images.js';

const catalog = loadBuiltinCatalog();
// An entry marked retired (the Imagen ids) is never billed under its own id: its successor serves
// and bills the call, or the policy refuses it. Every model a call can be billed as stays in.
const models = catalog.list().filter((model) => model.status !== 'retired');
const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#f00' } })
  .png()
  .toBuffer();
const pngBase64 = png.toString('base64');

/** Gemini 3 bills an input image up to 2240 tokens (mediaResolution ULTRA_HIGH; WIRE.md §8). */
const gemini3MaxInputImageTokens = 2240;
/** OpenAI bills 100 output image tokens per partial image of a stream. */
const partialImageTokens = 100;

interface Canonical {
  model: CatalogModel;
  request: GenerateContentRequest;
  stream: boolean;
}

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('a red circle on a white background', '画一只猫 🐱🐱', 'x'.repeat(500)),
);
const modelArbitrary = fc.constantFrom(...models);
const imageCount = fc.integer({ min: 0, max: 3 });

const geminiDoor = fc
  .record({
    model: modelArbitrary,
    prompt: text,
    images: imageCount,
    modalities: fc.constantFrom(undefined, [], ['TEXT'], ['IMAGE'], ['TEXT', 'IMAGE'], ['image'], ['Text']),
    sizeIndex: fc.option(fc.nat(), { nil: undefined }),
    candidateCount: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    stream: fc.boolean(),
    system: fc.option(text, { nil: undefined }),
  })
  .map(({ model, prompt, images, modalities, sizeIndex, candidateCount, stream, system }): Canonical[] => {
    const sizes = model.capabilities.imageSizes;
    const imageSize =
      sizeIndex === undefined || sizes.length === 0 ? undefined : sizes[sizeIndex % sizes.length];
    const body = {
      contents: [
        {
          role: 'user',
          parts: [
            { text: prompt },
            ...Array.from({ length: images }, () => ({
              inline_data: { mime_type: 'image/png', data: pngBase64 },
            })),
          ],
        },
      ],
      ...(system === undefined ? {} : { system_instruction: { parts: [{ text: system }] } }),
      generation_config: {
        ...(modalities === undefined ? {} : { response_modalities: modalities }),
        ...(imageSize === undefined ? {} : { image_config: { image_size: imageSize } }),
        ...(candidateCount === undefined ? {} : { candidate_count: candidateCount }),
      },
    };
    return [{ model, request: normalizeGeminiRequest(body), stream }];
  });

const chatDoor = fc
  .record({
    model: modelArbitrary,
    prompt: text,
    images: imageCount,
    modalities: fc.constantFrom(undefined, ['text'], ['image'], ['image', 'text']),
    imageSize: fc.constantFrom(undefined, '1k', '2K', '4k', '512'),
    n: fc.integer({ min: 1, max: 3 }),
    stream: fc.boolean(),
  })
  .map(({ model, prompt, images, modalities, imageSize, n, stream }): Canonical[] => {
    const body = parseChatCompletionsBody({
      model: model.id,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: prompt || 'x' },
            ...Array.from({ length: images }, () => ({
              type: 'image_url',
              image_url: { url: `data:image/png;base64,${pngBase64}` },
            })),
          ],
        },
      ],
      ...(modalities === undefined ? {} : { modalities }),
      ...(imageSize === undefined ? {} : { image_config: { image_size: imageSize } }),
      n,
      stream,
    });
    const canonical = chatRequestToCanonical(body);
    // n is n separate upstream calls of the same request, each with its own hold.
    return Array.from({ length: canonical.n }, () => ({ model, request: canonical.request, stream }));
  });

const imagesDoor = fc
  .record({
    model: modelArbitrary,
    prompt: text,
    images: imageCount,
    quality: fc.constantFrom(undefined, 'auto', 'low', 'medium', 'high', 'standard', 'hd'),
    size: fc.constantFrom(undefined, 'auto', '1024x1024', '1024x1536', '1536x1024', '2048x2048', '512x512'),
    n: fc.integer({ min: 1, max: 3 }),
    stream: fc.boolean(),
    partialImages: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ model, prompt, images, quality, size, n, stream, partialImages }): Canonical[] => {
    const fields = {
      model: model.id,
      prompt: prompt || 'x',
      n,
      stream,
      partial_images: partialImages,
      ...(quality === undefined ? {} : { quality }),
      ...(size === undefined ? {} : { size }),
    };
    const body = images > 0 ? parseImagesEditsBody(fields) : parseImagesGenerationsBody(fields);
    const inputs = Array.from({ length: images }, () => ({ data: png }));
    const canonical = imagesRequestToCanonical(body, inputs, undefined, model.capabilities);
    attachOpenAiImageOptions(canonical.request, openAiImageOptionsFor(body));
    return Array.from({ length: canonical.n }, () => ({ model, request: canonical.request, stream }));
  });

/** Calls refused with a 400 before the upstream answers (the property is about answered calls). */
function admitted(call: Canonical): boolean {
  try {
    checkCapabilities(call.model, summarizeFor(call.model, call.request), 0);
    if (call.model.family === 'openai') convertRequestToOpenAiImages(call.request, { model: call.model.id });
    return true;
  } catch {
    return false;
  }
}

function utf8PromptBytes(request: GenerateContentRequest): number {
  const contents = [...request.contents, ...(request.systemInstruction ? [request.systemInstruction] : [])];
  return contents
    .flatMap((content) => content.parts ?? [])
    .reduce(
      (sum, part) => sum + (typeof part.text === 'string' ? new TextEncoder().encode(part.text).length : 0),
      0,
    );
}

function inputImageCount(request: GenerateContentRequest): number {
  return request.contents.flatMap((content) => content.parts ?? []).filter((part) => part.inlineData).length;
}

/** What the upstream does with responseModalities: an image unless only other modalities are listed. */
function upstreamReturnsImage(model: CatalogModel, request: GenerateContentRequest): boolean {
  if (!model.capabilities.outputModalities.includes('IMAGE')) return false;
  const listed = request.generationConfig?.responseModalities ?? [];
  return listed.length === 0 || listed.some((modality) => String(modality).toUpperCase() === 'IMAGE');
}

/** The dearest usage a Gemini upstream could report for this request (the simulator's tables). */
function worstGeminiUsage(
  model: CatalogModel,
  request: GenerateContentRequest,
): { usage: UsageMetadata; images: number } {
  const sim = knownGeminiModel(model.id);
  const config = request.generationConfig;
  const images = upstreamReturnsImage(model, request) ? Math.max(1, config?.candidateCount ?? 1) : 0;
  const perImage = sim
    ? imageTokensFor(sim, config?.imageConfig?.imageSize)
    : Math.max(...Object.values(model.imageTokens));
  const perInputImage = model.version.startsWith('3')
    ? gemini3MaxInputImageTokens
    : (sim?.inputImageTokens ?? 258);
  const promptText = Math.max(utf8PromptBytes(request), textTokens(''));
  const promptImage = inputImageCount(request) * perInputImage;
  const outputText = 40;
  const thoughts = model.thinking ? 200 : 0;
  return {
    images,
    usage: {
      promptTokenCount: promptText + promptImage,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: promptText },
        { modality: 'IMAGE', tokenCount: promptImage },
      ],
      candidatesTokenCount: images * perImage + outputText,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: images * perImage }],
      thoughtsTokenCount: thoughts,
    },
  };
}

/** The dearest usage gpt-image could report: every size and quality the request may land on. */
function worstOpenAiUsage(model: CatalogModel, request: GenerateContentRequest, stream: boolean) {
  const upstream = convertRequestToOpenAiImages(request, {
    model: model.id,
    stream,
    passthrough: openAiImageOptionsOf(request),
  });
  const fields: Record<string, unknown> =
    upstream.kind === 'json' ? upstream.body : Object.fromEntries(upstream.fields);
  const sizes = Object.keys(gptImageTokens);
  const size = String(fields.size ?? 'auto');
  const quality = String(fields.quality ?? 'auto');
  const landing = size === 'auto' || !sizes.includes(size) ? sizes : [size];
  const qualities = quality === 'auto' ? ['low', 'medium', 'high'] : [quality];
  const perImage = Math.max(
    ...landing.flatMap((candidate) => qualities.map((pick) => gptImageTokens[candidate][pick] ?? 4160)),
  );
  const images = Number(fields.n ?? 1);
  const partials = stream ? (openAiImageOptionsOf(request)?.partial_images ?? 0) : 0;
  const outputTokens = images * (perImage + partials * partialImageTokens);
  const imageInput = inputImageCount(request) * gptInputImageTokens;
  const textInput = utf8PromptBytes(request);
  return {
    images,
    usage: usageMetadataFromOpenAi({
      input_tokens: textInput + imageInput,
      input_tokens_details: { text_tokens: textInput, image_tokens: imageInput },
      output_tokens: outputTokens,
      output_tokens_details: { image_tokens: outputTokens, text_tokens: 0 },
    }),
  };
}

function checkHoldCoversCharge(call: Canonical): void {
  const { model, request, stream } = call;
  const summary = summarizeFor(model, request);
  const bounds = requestBounds(model, request, summary, stream);
  const hold = worstCase({ model, ...bounds, heldMultiplier: 1 });
  const worst =
    model.family === 'openai' ? worstOpenAiUsage(model, request, stream) : worstGeminiUsage(model, request);
  const prompt = estimatePromptTokens(request, model);
  const reported = decideCharge({
    model,
    status: 200,
    usage: worst.usage,
    imagesOut: worst.images,
    imageSize: summary.imageSize,
    tokensPerImage: bounds.typicalTokensPerImage,
    prompt,
  });
  const estimated = decideCharge({
    model,
    status: 200,
    imagesOut: worst.images,
    imageSize: summary.imageSize,
    tokensPerImage: bounds.typicalTokensPerImage,
    prompt,
  });
  expect(hold.micros).toBeGreaterThanOrEqual(reported.micros);
  expect(hold.micros).toBeGreaterThanOrEqual(estimated.micros);
}

describe('the hold covers the dearest legitimate answer', () => {
  it('for every door, catalog model and stream mode', () => {
    fc.assert(
      fc.property(fc.oneof(geminiDoor, chatDoor, imagesDoor), (calls) => {
        for (const call of calls.filter(admitted)) checkHoldCoversCharge(call);
      }),
      { numRuns: 600 },
    );
  });

  it('for an image model asked with no responseModalities (the case that held no image)', () => {
    for (const model of models.filter((entry) => entry.capabilities.outputModalities.includes('IMAGE'))) {
      checkHoldCoversCharge({
        model,
        request: { contents: [{ parts: [{ text: 'a cat' }] }] },
        stream: false,
      });
    }
  });

  it('caps the charge at the hold when the upstream reports more than it could legitimately', () => {
    const model = catalog.resolve('gemini-3-pro-image')!;
    const request: GenerateContentRequest = { contents: [{ parts: [{ text: 'a cat' }] }] };
    const hold = worstCase({
      model,
      ...requestBounds(model, request, summarizeFor(model, request), false),
      heldMultiplier: 1,
    });
    const usage = {
      promptTokenCount: 5,
      candidatesTokenCount: 30_000,
      candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 30_000 }],
    };
    const prompt = estimatePromptTokens(request, model);
    const capped = decideCharge({ model, status: 200, usage, imagesOut: 9, prompt, capMicros: hold.micros });
    expect(capped.micros).toBe(hold.micros);
    expect(capped.uncappedMicros).toBeGreaterThan(hold.micros);
    const uncapped = decideCharge({ model, status: 200, usage, imagesOut: 9, prompt });
    expect(uncapped.micros).toBe(capped.uncappedMicros);
  });
});
