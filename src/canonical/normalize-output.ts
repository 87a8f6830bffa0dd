// Output normalisation shared by every door: images that arrive as markdown data URLs in text
// become inlineData parts; hosted image URLs are listed for the caller to fetch and swap in.
import type { Blob, Candidate, GenerateContentResponse, Part } from './types.js';

const markdownDataUrlImage =
  /!\[[^\]]*\]\(\s*data:(image\/[A-Za-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+?)\s*\)/g;
const markdownHostedImage = /!\[[^\]]*\]\(\s*(https?:\/\/[^\s)]+)\s*\)/g;
const bareHostedImage =
  /https?:\/\/[^\s()<>"'\]]+?\.(?:png|jpe?g|webp|gif)(?:\?[^\s()<>"'\]]*)?(?=[\s)"'<>\].,;!]|$)/gi;

/** A sentence's full stop after a URL is not part of it. */
function trimTrailingPunctuation(url: string): string {
  return url.replace(/[.,;:!?]+$/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits one text part at every match of `pattern`; `toPart` turns a match into the part between. */
function splitTextPart(part: Part, pattern: RegExp, toPart: (match: RegExpExecArray) => Part): Part[] {
  const text = part.text ?? '';
  const { text: _text, ...rest } = part;
  const pieces: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(new RegExp(pattern.source, pattern.flags))) {
    const before = text.slice(last, match.index).trim();
    if (before) pieces.push({ text: before });
    pieces.push(toPart(match));
    last = match.index + match[0].length;
  }
  if (pieces.length === 0) return [part];
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
  return mapTextParts(response, (part) =>
    splitTextPart(part, markdownDataUrlImage, (match) => ({
      inlineData: { mimeType: match[1], data: match[2].replace(/\s+/g, '') },
    })),
  );
}

/** Hosted image URLs in text: markdown images (any URL) and bare URLs ending in an image extension. */
export function extractHostedImageUrls(response: GenerateContentResponse): string[] {
  const urls = new Set<string>();
  for (const candidate of response.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (typeof part.text !== 'string' || part.thought === true) continue;
      for (const match of part.text.matchAll(markdownHostedImage)) urls.add(match[1]);
      const withoutMarkdown = part.text.replace(markdownHostedImage, ' ');
      for (const match of withoutMarkdown.matchAll(bareHostedImage))
        urls.add(trimTrailingPunctuation(match[0]));
    }
  }
  return [...urls];
}

/** Swaps every mention of `url` (markdown image or bare) for an inlineData part holding `blob`. */
export function replaceHostedUrlWithInlineData(
  response: GenerateContentResponse,
  url: string,
  blob: Blob,
): GenerateContentResponse {
  const escaped = escapeRegExp(url);
  const pattern = new RegExp(`!\\[[^\\]]*\\]\\(\\s*${escaped}\\s*\\)|${escaped}`, 'g');
  return mapTextParts(response, (part) => splitTextPart(part, pattern, () => ({ inlineData: { ...blob } })));
}

/** Whether any candidate carries a final (non-thought) image part. */
export function responseHasImage(response: GenerateContentResponse): boolean {
  return (response.candidates ?? []).some((candidate) =>
    (candidate.content?.parts ?? []).some(
      (part) => part.thought !== true && part.inlineData?.mimeType.startsWith('image/') === true,
    ),
  );
}
