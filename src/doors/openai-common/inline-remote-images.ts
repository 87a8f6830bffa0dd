// Client-supplied https image URLs (OpenAI `image_url`) → inlineData, fetched through the SSRF-safe
// fetcher (no private or loopback hosts), so every upstream receives the bytes and none fetches URLs.
import { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { GenerateContentRequest, Part } from '../../canonical/types.js';
import { fetchImage } from '../../http/fetch-image.js';

const remoteUrl = /^https?:\/\//i;

async function inlinePart(part: Part, param: string, signal: AbortSignal | undefined): Promise<Part> {
  const uri = part.fileData?.fileUri;
  if (uri === undefined || !remoteUrl.test(uri)) return part;
  try {
    const image = await fetchImage(uri, signal ? { signal } : {});
    const { fileData: _fileData, ...rest } = part;
    return { ...rest, inlineData: { mimeType: image.mimeType, data: image.data.toString('base64') } };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    throw errorCatalogue.INVALID_IMAGE_URL(
      `${error.message} Send the image in '${param}' as a data URL (data:image/png;base64,…) or a public https URL.`,
      param,
      error,
    );
  }
}

/**
 * A copy of `request` whose http(s) fileData parts hold the fetched bytes. `paramOf(content, part)`
 * names the client field for an error message.
 */
export async function inlineRemoteImages(
  request: GenerateContentRequest,
  paramOf: (contentIndex: number, partIndex: number) => string,
  signal?: AbortSignal,
): Promise<GenerateContentRequest> {
  const hasRemote = request.contents.some((content) =>
    (content.parts ?? []).some((part) => remoteUrl.test(part.fileData?.fileUri ?? '')),
  );
  if (!hasRemote) return request;
  const contents = await Promise.all(
    request.contents.map(async (content, contentIndex) => ({
      ...content,
      parts: await Promise.all(
        (content.parts ?? []).map((part, partIndex) =>
          inlinePart(part, paramOf(contentIndex, partIndex), signal),
        ),
      ),
    })),
  );
  return { ...request, contents };
}
