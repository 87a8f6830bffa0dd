// Reads a Gemini-wire answer body: parsed response, or a classified error. Pure.
import type { GenerateContentResponse } from '../../canonical/types.js';
import { malformedUpstreamAnswer } from './errors.js';

export function parseGeminiBody(channelName: string, bodyText: string): GenerateContentResponse {
  let value: unknown;
  try {
    value = JSON.parse(bodyText);
  } catch (error) {
    const looksLikeHtml = /^\s*</.test(bodyText);
    throw malformedUpstreamAnswer(
      channelName,
      looksLikeHtml ? 'an HTML page' : `invalid JSON: ${(error as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformedUpstreamAnswer(channelName, 'expected a JSON object');
  }
  const record = value as Record<string, unknown>;
  if (record.error) throw malformedUpstreamAnswer(channelName, 'an error object inside a 200 answer');
  return record as GenerateContentResponse;
}
