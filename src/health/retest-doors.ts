// How one retest is sent through each front door and how the edited image is read back from that
// door's answer. Pure: it builds requests and parses bodies; the runner does the HTTP.
import { RETEST_INSTRUCTION, retestRequest } from './retest-template.js';
import type { RetestDoor } from './retest-outcome.js';
import { record } from '../canonical/json-record.js';

export interface DoorRequest {
  path: string;
  headers: Record<string, string>;
  body: string | FormData;
}

export function buildDoorRequest(door: RetestDoor, model: string, inputPng: Buffer): DoorRequest {
  const base64 = inputPng.toString('base64');
  switch (door) {
    case 'gemini':
      return {
        path: `/v1beta/models/${encodeURIComponent(model)}:generateContent`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(retestRequest(base64)),
      };
    case 'openai-images': {
      const form = new FormData();
      form.set('model', model);
      form.set('prompt', RETEST_INSTRUCTION);
      form.set('image', new Blob([new Uint8Array(inputPng)], { type: 'image/png' }), 'retest.png');
      return { path: '/v1/images/edits', headers: {}, body: form };
    }
    case 'openai-chat':
      return {
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          modalities: ['image', 'text'],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: RETEST_INSTRUCTION },
                { type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } },
              ],
            },
          ],
        }),
      };
    case 'openai-responses':
      // `store: false`: a retest answer is never continued, so the gateway keeps nothing of it.
      return {
        path: '/v1/responses',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          input: [
            {
              role: 'user',
              content: [
                { type: 'input_text', text: RETEST_INSTRUCTION },
                { type: 'input_image', image_url: `data:image/png;base64,${base64}` },
              ],
            },
          ],
          tools: [{ type: 'image_generation', action: 'edit' }],
          tool_choice: 'required',
          store: false,
        }),
      };
    case 'gemini-interactions':
      // Google's auth rides on the runner's headers as on the gemini door; `store: false` as above.
      return {
        path: '/v1beta/interactions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          input: [
            { type: 'text', text: RETEST_INSTRUCTION },
            { type: 'image', data: base64, mime_type: 'image/png' },
          ],
          response_format: { type: 'image' },
          store: false,
        }),
      };
  }
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function fromDataUrl(url: unknown): Buffer | undefined {
  if (typeof url !== 'string') return undefined;
  const match = /^data:[^;,]+;base64,(.+)$/s.exec(url);
  return match ? Buffer.from(match[1], 'base64') : undefined;
}

/** The first output image in a successful answer of the door, or undefined when there is none. */
export function imageFromDoorAnswer(door: RetestDoor, body: unknown): Buffer | undefined {
  const root = record(body);
  if (!root) return undefined;
  if (door === 'gemini') {
    for (const candidate of list(root.candidates)) {
      for (const part of list(record(record(candidate)?.content)?.parts)) {
        const partRecord = record(part);
        const inline = record(partRecord?.inlineData ?? partRecord?.inline_data);
        if (partRecord?.thought !== true && typeof inline?.data === 'string')
          return Buffer.from(inline.data, 'base64');
      }
    }
    return undefined;
  }
  if (door === 'openai-images') {
    const first = record(list(root.data)[0]);
    return typeof first?.b64_json === 'string' ? Buffer.from(first.b64_json, 'base64') : undefined;
  }
  if (door === 'openai-responses') {
    // A failed or unfinished call carries no `result`; the first finished one holds the image.
    const call = list(root.output)
      .map(record)
      .find((item) => item?.type === 'image_generation_call' && item.status === 'completed');
    return typeof call?.result === 'string' ? Buffer.from(call.result, 'base64') : undefined;
  }
  if (door === 'gemini-interactions') {
    // Thought steps may carry draft images; only a model_output step holds the answer.
    for (const step of list(root.steps)) {
      const entry = record(step);
      if (entry?.type !== 'model_output') continue;
      const image = list(entry.content)
        .map(record)
        .find((block) => block?.type === 'image' && typeof block.data === 'string');
      if (image) return Buffer.from(image.data as string, 'base64');
    }
    return undefined;
  }
  for (const choice of list(root.choices)) {
    for (const image of list(record(record(choice)?.message)?.images)) {
      const bytes = fromDataUrl(record(record(image)?.image_url)?.url);
      if (bytes) return bytes;
    }
  }
  return undefined;
}

/** The error envelope's message (Gemini and OpenAI both put it at `error.message`). */
export function errorMessageOf(body: unknown): string {
  const message = record(record(body)?.error)?.message;
  return typeof message === 'string' ? message : '';
}
