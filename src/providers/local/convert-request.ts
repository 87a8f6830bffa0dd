// Canonical (Gemini-shaped) request → engine input: the last user turn's text and images (else the
// conversation's most recent image), and imageConfig.
// Images that are not decodable are rejected with a 400 naming the exact part.

import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { imageMimeFromBytes } from '../../canonical/sniff-mime.js';
import type { Content, GenerateContentRequest } from '../../canonical/types.js';
import { maskInstruction } from '../../canonical/openai-image-options.js';
import { loadSharp } from '../../engine/load-sharp.js';
import { maxInstructionCharacters } from '../../engine/parse-instruction.js';
import type { EngineImage, EngineInput } from '../../engine/types.js';
import { untrustedSharpOptions } from '../../security/limits.js';

const base64Pattern = /^[A-Za-z0-9+/_-]*={0,2}$/;

function lastUserContent(request: GenerateContentRequest): { content: Content; index: number } {
  const contents = request.contents ?? [];
  for (let index = contents.length - 1; index >= 0; index -= 1) {
    const role = contents[index].role;
    if (role === undefined || role === 'user') return { content: contents[index], index };
  }
  throw errorCatalogue.INVALID_VALUE(
    'contents must include a user turn with the instruction (role "user").',
    'contents',
  );
}

/** The last non-thought inline image before turn `before` (an earlier answer's or input's). */
function mostRecentImage(
  contents: readonly Content[],
  before: number,
): { data: string; param: string } | undefined {
  for (let index = before - 1; index >= 0; index -= 1) {
    const parts = contents[index].parts ?? [];
    for (let partIndex = parts.length - 1; partIndex >= 0; partIndex -= 1) {
      const part = parts[partIndex];
      if (part.thought === true || !part.inlineData) continue;
      if (partIndex > 0 && parts[partIndex - 1].text === maskInstruction) continue;
      return {
        data: String(part.inlineData.data ?? ''),
        param: `contents[${index}].parts[${partIndex}].inlineData.data`,
      };
    }
  }
  return undefined;
}

async function decodeInlineImage(data: string, param: string): Promise<EngineImage> {
  const payload = (data.startsWith('data:') ? data.slice(data.indexOf(',') + 1) : data).replace(/\s+/g, '');
  if (!base64Pattern.test(payload)) {
    throw errorCatalogue.INVALID_VALUE(
      `${param} is not valid base64; send the image bytes base64-encoded.`,
      param,
    );
  }
  // Node's base64 decoder also accepts the URL-safe alphabet.
  const bytes = Buffer.from(payload, 'base64');
  const mimeType = imageMimeFromBytes(bytes);
  if (!mimeType) {
    throw errorCatalogue.INVALID_VALUE(
      `${param} is not a recognised image; send PNG, JPEG, WEBP, GIF, AVIF, HEIC or TIFF bytes.`,
      param,
    );
  }
  let size: { width?: number; height?: number };
  try {
    const sharp = await loadSharp();
    size = await sharp(bytes, untrustedSharpOptions).metadata();
  } catch {
    throw errorCatalogue.INVALID_VALUE(
      `${param} looks like ${mimeType} but cannot be decoded; send an intact image.`,
      param,
    );
  }
  return { data: bytes, mimeType, width: size.width, height: size.height };
}

export async function toEngineInput(request: GenerateContentRequest): Promise<EngineInput> {
  const { content, index } = lastUserContent(request);
  const texts: string[] = [];
  const inlineImages: Array<{ data: string; param: string }> = [];
  const parts = content.parts ?? [];
  for (let partIndex = 0; partIndex < parts.length; partIndex += 1) {
    const part = parts[partIndex];
    if (part.thought === true) continue;
    // The engine edits whole images: an OpenAI edit mask (instruction + image) is accepted and ignored.
    if (part.text === maskInstruction) {
      partIndex += 1;
      continue;
    }
    if (typeof part.text === 'string') texts.push(part.text);
    if (part.inlineData) {
      const param = `contents[${index}].parts[${partIndex}].inlineData.data`;
      inlineImages.push({ data: String(part.inlineData.data ?? ''), param });
    } else if (part.fileData) {
      throw errorCatalogue.INVALID_VALUE(
        'local-image-edit cannot fetch fileData URIs; send the image inline as inlineData.',
        `contents[${index}].parts[${partIndex}].fileData`,
      );
    }
  }
  const instruction = texts.join('\n');
  // Refused before any image is decoded: a caller's mistake (400), not a route that failed to draw.
  if (instruction.length > maxInstructionCharacters) {
    throw errorCatalogue.INVALID_VALUE(
      `The instruction is ${instruction.length} characters long; local-image-edit reads at most ${maxInstructionCharacters}. Send a shorter instruction.`,
      `contents[${index}].parts`,
    );
  }
  // A turn without an image of its own continues the conversation: it edits the most recent image.
  if (inlineImages.length === 0) {
    const earlier = mostRecentImage(request.contents ?? [], index);
    if (earlier) inlineImages.push(earlier);
  }
  const images: EngineImage[] = [];
  for (const image of inlineImages) images.push(await decodeInlineImage(image.data, image.param));
  const imageConfig = request.generationConfig?.imageConfig;
  return {
    instruction,
    images,
    ...(imageConfig?.aspectRatio ? { aspectRatio: imageConfig.aspectRatio } : {}),
    ...(imageConfig?.imageSize ? { imageSize: imageConfig.imageSize } : {}),
  };
}
