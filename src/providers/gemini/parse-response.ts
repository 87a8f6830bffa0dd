// Reads a Gemini-wire answer body: parsed response, or a classified error. Pure.
import type { GenerateContentResponse } from '../../canonical/types.js';
import { inBandUpstreamError, malformedUpstreamAnswer } from './errors.js';
import { BytePieces } from '../../canonical/byte-pieces.js';
import { largeJsonBytes } from '../../canonical/find-image-strings.js';
import { excessNestingOffset, maxJsonNesting } from '../../canonical/json-nesting.js';
import { parseSkippingImageStrings } from '../../canonical/skip-image-strings.js';

export function parseGeminiBody(
  channelName: string,
  body: string | Buffer | BytePieces,
): GenerateContentResponse {
  // A hostile or broken upstream's deep nest would stall JSON.parse and overflow every walk after it.
  if (excessNestingOffset(body) >= 0) {
    throw malformedUpstreamAnswer(
      channelName,
      `objects and arrays nested deeper than ${maxJsonNesting} levels`,
    );
  }
  let value: unknown;
  try {
    // Large answers are parsed without running JSON.parse over their image strings, so the image is
    // not copied (see skip-image-strings.ts).
    value =
      body.length > largeJsonBytes
        ? parseSkippingImageStrings(body)
        : JSON.parse(
            body instanceof BytePieces ? body.slice(0, body.length).toString('utf8') : body.toString(),
          );
  } catch {
    // JSON.parse's message quotes the body: the upstream's words, so only its kind is told.
    const looksLikeHtml = /^\s*</.test(
      typeof body === 'string' ? body : body.slice(0, 64).toString('latin1'),
    );
    throw malformedUpstreamAnswer(channelName, looksLikeHtml ? 'an HTML page' : 'invalid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformedUpstreamAnswer(channelName, 'expected a JSON object');
  }
  const record = value as Record<string, unknown>;
  if (record.error) throw inBandUpstreamError(record, channelName);
  const problem = shapeProblem(record);
  if (problem) throw malformedUpstreamAnswer(channelName, problem);
  return record as GenerateContentResponse;
}

/** A string `data`, or one attached lazily by skip-image-strings.ts (checked without decoding it). */
function hasStringData(blob: Record<string, unknown>): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(blob, 'data');
  return descriptor?.get !== undefined || typeof descriptor?.value === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The first field the gateway reads that has the wrong type (routing and doors trust these types). */
function shapeProblem(record: Record<string, unknown>): string | undefined {
  for (const field of ['promptFeedback', 'usageMetadata'] as const) {
    if (record[field] !== undefined && !isRecord(record[field])) return `${field} is not an object`;
  }
  const candidates = record.candidates;
  if (candidates === undefined) return undefined;
  if (!Array.isArray(candidates)) return 'candidates is not a list';
  for (const [index, candidate] of candidates.entries()) {
    if (!isRecord(candidate)) return `candidates[${index}] is not an object`;
    const content = candidate.content;
    if (content === undefined) continue;
    if (!isRecord(content)) return `candidates[${index}].content is not an object`;
    if (content.parts === undefined) continue;
    if (!Array.isArray(content.parts)) return `candidates[${index}].content.parts is not a list`;
    for (const [partIndex, part] of content.parts.entries()) {
      const where = `candidates[${index}].content.parts[${partIndex}]`;
      if (!isRecord(part)) return `${where} is not an object`;
      if (part.text !== undefined && typeof part.text !== 'string') return `${where}.text is not a string`;
      const blob = part.inlineData;
      if (
        blob !== undefined &&
        (!isRecord(blob) || typeof blob.mimeType !== 'string' || !hasStringData(blob))
      )
        return `${where}.inlineData lacks a string mimeType and data`;
    }
  }
  return undefined;
}
