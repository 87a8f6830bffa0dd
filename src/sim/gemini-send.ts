// Puts a Gemini answer or error on the wire in the three shapes Google uses: a pretty JSON body,
// an SSE stream (`alt=sse`), or a streamed JSON array; stream-shaped faults live here too.

import type { ServerResponse } from 'node:http';
import type { GenerateContentResponse, Part } from '../canonical/types.js';
import type { ActiveFaults } from './faults.js';
import { type GeminiAnswer, usageAfter } from './gemini-answer.js';
import type { GoogleError } from './gemini-errors.js';
import { googleJsonType, send, sendTruncated, writeChunk, writeForever } from './http-io.js';
import { googleSseEvent, jsonArray, jsonArrayElement, jsonArrayEnd, prettyJson } from './wire-format.js';

export type GeminiWireMode = 'json' | 'sse' | 'array';

export interface SendTarget {
  response: ServerResponse;
  mode: GeminiWireMode;
  modelVersion: string;
  vertex: boolean;
}

export const googleHeaders = {
  Server: 'scaffolding on HTTPServer2',
  Vary: 'Origin, X-Origin, Referer',
  'X-Content-Type-Options': 'nosniff',
};

function streamContentType(mode: GeminiWireMode): string {
  return mode === 'sse' ? 'text/event-stream' : googleJsonType;
}

/** Errors: pretty JSON; array-wrapped for the array stream; `text/event-stream` type before an SSE stream. */
export function sendGoogleError(target: SendTarget, error: GoogleError): void {
  const body = target.mode === 'array' ? `${jsonArray([error.body])}` : prettyJson(error.body);
  const contentType = target.mode === 'json' ? googleJsonType : streamContentType(target.mode);
  send(target.response, error.httpStatus, contentType, body, { ...googleHeaders, ...error.headers });
}

function envelope(target: SendTarget, answer: GeminiAnswer): Omit<GenerateContentResponse, 'candidates'> {
  const extra: Record<string, string> = { modelVersion: target.modelVersion };
  if (target.vertex) extra.createTime = new Date().toISOString();
  extra.responseId = answer.responseId;
  return extra;
}

export function wholeResponse(target: SendTarget, answer: GeminiAnswer): GenerateContentResponse {
  return {
    candidates: [
      { content: { parts: answer.parts, role: 'model' }, finishReason: answer.finishReason, index: 0 },
    ],
    usageMetadata: usageAfter(answer, answer.parts.length, target.vertex),
    ...envelope(target, answer),
  };
}

/** Stream events: one per part (text first, the image whole), then finishReason with final usage. */
export function streamEvents(target: SendTarget, answer: GeminiAnswer): GenerateContentResponse[] {
  const events: GenerateContentResponse[] = answer.parts.map((part: Part, index) => ({
    candidates: [{ content: { parts: [part], role: 'model' }, index: 0 }],
    usageMetadata: usageAfter(answer, index + 1, target.vertex),
    ...envelope(target, answer),
  }));
  events.push({
    candidates: [{ content: { role: 'model' }, finishReason: answer.finishReason, index: 0 }],
    usageMetadata: usageAfter(answer, answer.parts.length, target.vertex),
    ...envelope(target, answer),
  });
  return events;
}

function serialize(mode: GeminiWireMode, event: unknown, index: number): string {
  return mode === 'sse' ? googleSseEvent(event) : jsonArrayElement(event, index);
}

function streamHeaders(mode: GeminiWireMode): Record<string, string> {
  const headers: Record<string, string> = {
    ...googleHeaders,
    'Content-Type': streamContentType(mode),
    'x-gemini-service-tier': 'standard',
  };
  if (mode === 'sse') headers['Content-Disposition'] = 'attachment';
  return headers;
}

export async function sendAnswer(
  target: SendTarget,
  answer: GeminiAnswer,
  faults: ActiveFaults,
): Promise<void> {
  const { response, mode } = target;
  if (mode === 'json') {
    const body = prettyJson(wholeResponse(target, answer));
    const headers = { ...googleHeaders, 'x-gemini-service-tier': 'standard' };
    if (faults.has('truncated-stream')) sendTruncated(response, googleJsonType, body, headers);
    else send(response, 200, googleJsonType, body, headers);
    return;
  }
  const events = streamEvents(target, answer);
  response.writeHead(200, streamHeaders(mode));
  if (faults.has('truncated-stream')) {
    const second = serialize(mode, events[1] ?? events[0], 1);
    await writeChunk(response, serialize(mode, events[0], 0));
    await writeChunk(response, second.slice(0, Math.floor(second.length / 2)));
    response.end();
    return;
  }
  for (const [index, event] of events.entries()) {
    if (response.destroyed) return;
    await writeChunk(response, serialize(mode, event, index));
  }
  response.end(mode === 'array' ? jsonArrayEnd : undefined);
}

/** Faults that replace the answer entirely: proxy HTML, broken JSON, a stream that never ends. */
export function sendBrokenAnswer(target: SendTarget, faults: ActiveFaults): boolean {
  const { response, mode } = target;
  if (faults.has('html-error')) {
    send(response, 200, 'text/html', '<html>Bad Gateway</html>');
    return true;
  }
  if (faults.has('invalid-json')) {
    const broken = '{"candidates": [{"content": {"parts": [{"text": "Here is the image."}]]}';
    const body =
      mode === 'sse' ? `data: ${broken}\r\n\r\n` : mode === 'array' ? `[${broken}\n]` : `${broken}\n`;
    send(response, 200, streamContentType(mode), body, googleHeaders);
    return true;
  }
  if (faults.has('endless-stream')) {
    response.writeHead(200, streamHeaders(mode));
    writeForever(response, mode === 'sse' ? ': keepalive\r\n\r\n' : '\n', 200);
    return true;
  }
  return false;
}
