// Sends one image edit through each front door of a test gateway and reads back the answer image,
// so a test can say which image every door served and from which channel.
import { RETEST_INSTRUCTION } from '../../src/health/retest-template.js';

export type EditDoor =
  | 'gemini'
  | 'gemini-stream'
  | 'openai-images'
  | 'openai-chat'
  | 'openai-responses'
  | 'gemini-interactions';

export const editDoors: readonly EditDoor[] = [
  'gemini',
  'gemini-stream',
  'openai-images',
  'openai-chat',
  'openai-responses',
  'gemini-interactions',
];

export interface EditAnswer {
  status: number;
  channel: string | null;
  /** The served image's bytes, when the answer carried one. */
  image?: Buffer;
  /** The answer body as text (for error checks). */
  text: string;
  headers: Headers;
}

interface Gateway {
  url: string;
  key: string;
}

function geminiBody(image: Buffer) {
  return JSON.stringify({
    contents: [
      {
        role: 'user',
        parts: [
          { text: RETEST_INSTRUCTION },
          { inlineData: { mimeType: 'image/png', data: image.toString('base64') } },
        ],
      },
    ],
    generationConfig: { responseModalities: ['IMAGE'] },
  });
}

type GeminiAnswer = {
  candidates?: Array<{ content?: { parts?: Array<{ inlineData?: { data?: string } }> } }>;
};

function geminiImage(answer: GeminiAnswer): Buffer | undefined {
  for (const candidate of answer.candidates ?? []) {
    for (const part of candidate.content?.parts ?? []) {
      if (part.inlineData?.data) return Buffer.from(part.inlineData.data, 'base64');
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function editThrough(
  gateway: Gateway,
  door: EditDoor,
  model: string,
  image: Buffer,
  requestId: string,
): Promise<EditAnswer> {
  const headers = { 'x-request-id': requestId, authorization: `Bearer ${gateway.key}` };
  let response: Response;
  if (door === 'gemini' || door === 'gemini-stream') {
    const method = door === 'gemini' ? 'generateContent' : 'streamGenerateContent?alt=sse';
    response = await fetch(`${gateway.url}/v1beta/models/${model}:${method}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: geminiBody(image),
    });
  } else if (door === 'openai-images') {
    const form = new FormData();
    form.set('model', model);
    form.set('prompt', RETEST_INSTRUCTION);
    form.set('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'input.png');
    response = await fetch(`${gateway.url}/v1/images/edits`, { method: 'POST', headers, body: form });
  } else if (door === 'openai-responses') {
    response = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: RETEST_INSTRUCTION },
              { type: 'input_image', image_url: `data:image/png;base64,${image.toString('base64')}` },
            ],
          },
        ],
        tools: [{ type: 'image_generation' }],
        store: false,
      }),
    });
  } else if (door === 'gemini-interactions') {
    response = await fetch(`${gateway.url}/v1beta/interactions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        input: [
          { type: 'text', text: RETEST_INSTRUCTION },
          { type: 'image', data: image.toString('base64'), mime_type: 'image/png' },
        ],
        response_format: { type: 'image' },
        store: false,
      }),
    });
  } else {
    response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        modalities: ['image', 'text'],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: RETEST_INSTRUCTION },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
            ],
          },
        ],
      }),
    });
  }
  const text = await response.text();
  const answer: EditAnswer = {
    status: response.status,
    channel: response.headers.get('x-imagegate-channel'),
    text,
    headers: response.headers,
  };
  if (response.status !== 200) return answer;
  if (door === 'gemini') answer.image = geminiImage(parseJson(text) as GeminiAnswer);
  if (door === 'gemini-stream') {
    for (const line of text.split(/\r?\n/)) {
      if (!line.startsWith('data: ')) continue;
      answer.image ??= geminiImage(parseJson(line.slice(6)) as GeminiAnswer);
    }
  }
  if (door === 'openai-images') {
    const b64 = (parseJson(text) as { data?: Array<{ b64_json?: string }> })?.data?.[0]?.b64_json;
    if (b64) answer.image = Buffer.from(b64, 'base64');
  }
  if (door === 'openai-chat') {
    const url = (
      parseJson(text) as {
        choices?: Array<{ message?: { images?: Array<{ image_url?: { url?: string } }> } }>;
      }
    )?.choices?.[0]?.message?.images?.[0]?.image_url?.url;
    if (url) answer.image = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  }
  if (door === 'openai-responses') {
    const call = (
      parseJson(text) as { output?: Array<{ type?: string; result?: string | null }> }
    )?.output?.find((item) => item.type === 'image_generation_call');
    if (call?.result) answer.image = Buffer.from(call.result, 'base64');
  }
  if (door === 'gemini-interactions') {
    const steps = (
      parseJson(text) as {
        steps?: Array<{ type?: string; content?: Array<{ type?: string; data?: string }> }>;
      }
    )?.steps;
    const block = steps
      ?.filter((step) => step.type === 'model_output')
      .flatMap((step) => step.content ?? [])
      .find((content) => content.type === 'image' && content.data);
    if (block?.data) answer.image = Buffer.from(block.data, 'base64');
  }
  return answer;
}
