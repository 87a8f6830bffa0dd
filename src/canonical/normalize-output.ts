// Output normalisation shared by every door: images that arrive as markdown data URLs in text
// become inlineData parts; hosted image URLs are listed for the caller to fetch and swap in. The
// text is found by linear scans (find-text-images.ts), never by a regular expression that backtracks.
import {
  dataImageTargets,
  findBareImageUrls,
  findMarkdownImages,
  hostedTargets,
  markdownDataImage,
  type TextSpan,
  targetsEqualTo,
} from './find-text-images.js';
import type { Blob, Candidate, GenerateContentResponse, Part } from './types.js';

/** A sentence's full stop after a URL is not part of it. */
function trimTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0 && '.,;:!?'.includes(url[end - 1])) end -= 1;
  return url.slice(0, end);
}

interface ImageMention extends TextSpan {
  part: Part;
}

/** Splits one text part around its mentions (in order, not overlapping), each becoming its own part. */
function splitTextPart(part: Part, mentions: ImageMention[]): Part[] {
  if (mentions.length === 0) return [part];
  const text = part.text ?? '';
  const { text: _text, ...rest } = part;
  const pieces: Part[] = [];
  let last = 0;
  for (const mention of mentions) {
    const before = text.slice(last, mention.start).trim();
    if (before) pieces.push({ text: before });
    pieces.push(mention.part);
    last = mention.end;
  }
  const after = text.slice(last).trim();
  if (after) pieces.push({ text: after });
  // Keep the original part's other fields (thoughtSignature…) on the first piece.
  pieces[0] = { ...rest, ...pieces[0] };
  return pieces;
}

function mapTextParts(
  response: GenerateContentResponse,
  transform: (part: Part) => Part[],
): GenerateContentResponse {
  if (!response.candidates) return response;
  const candidates = response.candidates.map((candidate): Candidate => {
    const parts = candidate.content?.parts;
    if (!parts) return candidate;
    const next = parts.flatMap((part) =>
      typeof part.text === 'string' && part.thought !== true ? transform(part) : [part],
    );
    return { ...candidate, content: { ...candidate.content, parts: next } };
  });
  return { ...response, candidates };
}

/** `![…](data:image/png;base64,…)` in a text part → text before, an inlineData part, text after. */
export function splitMarkdownDataUrlImages(response: GenerateContentResponse): GenerateContentResponse {
  return mapTextParts(response, (part) => {
    const text = part.text ?? '';
    const mentions = findMarkdownImages(text, dataImageTargets(text));
    return splitTextPart(
      part,
      mentions.map((image) => ({ ...image, part: { inlineData: markdownDataImage(image.target) } })),
    );
  });
}

/** Text with its markdown hosted images blanked out, and their URLs. */
function markdownHostedImages(text: string): { urls: string[]; rest: string } {
  const images = findMarkdownImages(text, hostedTargets(text));
  const pieces: string[] = [];
  let last = 0;
  for (const image of images) {
    pieces.push(text.slice(last, image.start), ' ');
    last = image.end;
  }
  pieces.push(text.slice(last));
  return { urls: images.map((image) => image.target), rest: pieces.join('') };
}

/** Hosted image URLs in text: markdown images (any URL) and bare URLs ending in an image extension. */
export function extractHostedImageUrls(response: GenerateContentResponse): string[] {
  const urls = new Set<string>();
  for (const candidate of response.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (typeof part.text !== 'string' || part.thought === true) continue;
      const markdown = markdownHostedImages(part.text);
      for (const url of markdown.urls) urls.add(url);
      for (const span of findBareImageUrls(markdown.rest))
        urls.add(trimTrailingPunctuation(markdown.rest.slice(span.start, span.end)));
    }
  }
  return [...urls];
}

/** Every mention of `url` in text, as a markdown image or bare, left to right. */
function mentionsOf(text: string, url: string): TextSpan[] {
  const markdown = findMarkdownImages(text, targetsEqualTo(text, url));
  const spans: TextSpan[] = [];
  let from = 0;
  let markdownAt = 0;
  for (;;) {
    while (markdownAt < markdown.length && markdown[markdownAt].start < from) markdownAt += 1;
    const nextMarkdown = markdown[markdownAt];
    const bare = text.indexOf(url, from);
    if (nextMarkdown && (bare < 0 || nextMarkdown.start < bare)) {
      spans.push(nextMarkdown);
      from = nextMarkdown.end;
    } else if (bare >= 0) {
      spans.push({ start: bare, end: bare + url.length });
      from = bare + url.length;
    } else {
      return spans;
    }
  }
}

/** Swaps every mention of `url` (markdown image or bare) for an inlineData part holding `blob`. */
export function replaceHostedUrlWithInlineData(
  response: GenerateContentResponse,
  url: string,
  blob: Blob,
): GenerateContentResponse {
  if (url.length === 0) return response;
  return mapTextParts(response, (part) =>
    splitTextPart(
      part,
      mentionsOf(part.text ?? '', url).map((span) => ({ ...span, part: { inlineData: { ...blob } } })),
    ),
  );
}

/** Whether any candidate carries a final (non-thought) image part. */
export function responseHasImage(response: GenerateContentResponse): boolean {
  return (response.candidates ?? []).some((candidate) =>
    (candidate.content?.parts ?? []).some(
      (part) => part.thought !== true && part.inlineData?.mimeType.startsWith('image/') === true,
    ),
  );
}
