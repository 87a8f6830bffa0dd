// Canonical answers → the Response object: output items in order, usage and tool_usage.image_gen.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonWithImagesPieces } from '../../../src/canonical/json-with-images.js';
import type { UsageMetadata } from '../../../src/canonical/types.js';
import {
  answerText,
  completedImageCall,
  completedResponse,
  itemId,
  messageItem,
  responseShell,
  responsesUsage,
} from '../../../src/doors/openai-responses/from-canonical.js';
import { parseResponsesBody } from '../../../src/doors/openai-responses/schema.js';
import type { ResponsesImageOptions } from '../../../src/doors/openai-responses/to-canonical.js';

let pngBase64: string;
beforeAll(async () => {
  pngBase64 = (
    await sharp({ create: { width: 12, height: 8, channels: 3, background: '#00f' } })
      .png()
      .toBuffer()
  ).toString('base64');
});

const usage: UsageMetadata = {
  promptTokenCount: 300,
  promptTokensDetails: [
    { modality: 'TEXT', tokenCount: 42 },
    { modality: 'IMAGE', tokenCount: 258 },
  ],
  candidatesTokenCount: 1300,
  candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }],
  thoughtsTokenCount: 20,
  cachedContentTokenCount: 7,
  totalTokenCount: 1620,
};

const options: ResponsesImageOptions = {
  format: 'png',
  background: 'auto',
  quality: 'auto',
  size: 'auto',
  imageSize: '1K',
  partialImages: 0,
  action: 'auto',
};

const id = 'resp_0123456789abcdef';
const meta = () => ({
  id,
  createdAt: 1_700_000_000,
  model: 'gemini-3.1-flash-image',
  store: true,
  body: parseResponsesBody({
    input: 'a blue square',
    instructions: 'Be brief.',
    previous_response_id: 'resp_earlier',
    metadata: { team: 'art' },
    tools: [{ type: 'image_generation' }],
  }),
});

function json(value: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.concat(jsonWithImagesPieces(value)).toString('utf8'));
}

describe('the Response object', () => {
  it('writes each image as a completed image_generation_call with its base64 and pixel size', () => {
    const item = completedImageCall(
      itemId('ig', id, 0),
      { mimeType: 'image/png', data: pngBase64, width: 12, height: 8 },
      options,
      'a blue square',
      false,
    );
    expect(json(item)).toEqual({
      id: 'ig_0123456789abcdef00',
      type: 'image_generation_call',
      status: 'completed',
      result: pngBase64,
      revised_prompt: 'a blue square',
      action: 'generate',
      background: 'opaque',
      output_format: 'png',
      // auto quality is reported from the imageSize sent upstream (1K).
      quality: 'medium',
      size: '12x8',
    });
  });

  it('reports an edit, a transparent background and the requested size when the pixels are unknown', () => {
    const item = completedImageCall(
      'ig_1',
      { mimeType: 'image/webp', data: pngBase64 },
      { ...options, background: 'transparent', format: 'webp', size: '1024x1024', quality: 'low' },
      '',
      true,
    );
    expect(item).toMatchObject({
      action: 'edit',
      background: 'transparent',
      output_format: 'webp',
      size: '1024x1024',
      quality: 'low',
    });
    expect(item.revised_prompt).toBeUndefined();
  });

  it('orders image calls before the message and reports usage and tool_usage.image_gen', () => {
    const output = [
      completedImageCall(
        itemId('ig', id, 0),
        { mimeType: 'image/png', data: pngBase64, width: 12, height: 8 },
        options,
        'p',
        false,
      ),
      messageItem(itemId('msg', id, 1), 'Here is your square.'),
    ];
    const response = json(completedResponse(meta(), output, usage, true));
    expect(response).toMatchObject({
      id,
      object: 'response',
      status: 'completed',
      model: 'gemini-3.1-flash-image',
      instructions: 'Be brief.',
      previous_response_id: 'resp_earlier',
      metadata: { team: 'art' },
      store: true,
      error: null,
      usage: {
        input_tokens: 300,
        input_tokens_details: { cached_tokens: 7 },
        output_tokens: 1320,
        output_tokens_details: { reasoning_tokens: 20 },
        total_tokens: 1620,
      },
      tool_usage: {
        image_gen: {
          input_tokens: 300,
          input_tokens_details: { text_tokens: 42, image_tokens: 258 },
          output_tokens: 1320,
          output_tokens_details: { image_tokens: 1290, text_tokens: 30 },
          total_tokens: 1620,
        },
      },
    });
    const items = response.output as { type: string; id: string }[];
    expect(items.map((item) => item.type)).toEqual(['image_generation_call', 'message']);
    expect(items[1]).toEqual({
      id: 'msg_0123456789abcdef01',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Here is your square.', annotations: [], logprobs: [] }],
    });
  });

  it('leaves tool_usage out without the image tool and reports zero usage when the upstream gave none', () => {
    const response = completedResponse(meta(), [], undefined, false);
    expect(response.tool_usage).toBeUndefined();
    expect(response.usage).toEqual(responsesUsage(undefined));
    expect(response.usage?.total_tokens).toBe(0);
  });

  it('starts in_progress with no output and OpenAI’s defaults for unset fields', () => {
    const shell = responseShell({ ...meta(), body: parseResponsesBody({ input: 'x' }) });
    expect(shell).toMatchObject({
      status: 'in_progress',
      output: [],
      usage: null,
      instructions: null,
      previous_response_id: null,
      tool_choice: 'auto',
      tools: [],
      temperature: 1,
      top_p: 1,
      parallel_tool_calls: true,
      metadata: {},
    });
  });

  it('takes the answer’s words from non-thought text only', () => {
    const text = answerText([
      {
        candidates: [
          { content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Here ' }] } },
        ],
      },
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: 'it is.' }, { inlineData: { mimeType: 'image/png', data: 'x' } }],
            },
          },
        ],
      },
    ]);
    expect(text).toBe('Here it is.');
  });
});
