// Turns upstream images that arrive as markdown data URLs or hosted URLs into inlineData parts, so
// every door returns real image bytes. Leaves the answer object untouched when there is nothing to do.
import {
  extractHostedImageUrls,
  replaceHostedUrlWithInlineData,
  splitMarkdownDataUrlImages,
} from '../canonical/normalize-output.js';
import type { GenerateContentResponse } from '../canonical/types.js';
import { fetchImage } from '../http/fetch-image.js';

function textMentions(response: GenerateContentResponse, needle: string): boolean {
  return (response.candidates ?? []).some((candidate) =>
    (candidate.content?.parts ?? []).some(
      (part) => typeof part.text === 'string' && part.thought !== true && part.text.includes(needle),
    ),
  );
}

export async function normalizeUpstreamImages(
  response: GenerateContentResponse,
  channelBaseUrl: string,
  signal: AbortSignal,
): Promise<GenerateContentResponse> {
  let result = response;
  if (textMentions(result, 'data:image/')) result = splitMarkdownDataUrlImages(result);
  if (!textMentions(result, 'http')) return result;
  const trustedHosts: string[] = [];
  try {
    if (channelBaseUrl) trustedHosts.push(new URL(channelBaseUrl).hostname);
  } catch {
    // A channel without a URL (local) trusts no host.
  }
  for (const url of extractHostedImageUrls(result).slice(0, 4)) {
    const image = await fetchImage(url, { trustedHosts, signal });
    result = replaceHostedUrlWithInlineData(result, url, {
      mimeType: image.mimeType,
      data: image.data.toString('base64'),
    });
  }
  return result;
}
