import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import {
  type ChatReplyMeta,
  chatCompletionChunk,
  chatCompletionFromCanonical,
  chatStreamDone,
  chatUsageChunk,
  chatUsageFromMetadata,
  formatChatStreamChunk,
} from '../../../src/doors/openai-chat/from-canonical.js';
import { chatFinishReason } from '../../../src/doors/openai-chat/map-finish-reason.js';

interface Fixture {
  meta: ChatReplyMeta;
  responses: GenerateContentResponse[];
  expected: unknown;
  finishReasons: { gemini: string; openai: string }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-chat-responses.json', import.meta.url), 'utf8'),
);
const { meta, responses } = fixture;
const imagePart = responses[0].candidates![0].content!.parts![2];
const imageUrl = `data:image/png;base64,${imagePart.inlineData!.data}`;

describe('canonical response → OpenAI chat completion', () => {
  it('puts visible text in content, images in message.images and thoughts in completion tokens', () => {
    expect(chatCompletionFromCanonical(responses, meta)).toEqual(fixture.expected);
  });

  it('makes one choice per upstream call and sums usage', () => {
    const reply = chatCompletionFromCanonical([responses[0], responses[0]], meta);
    expect(reply.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(reply.usage.prompt_tokens).toBe(652);
    expect(reply.usage.total_tokens).toBe(3646);
  });

  it('answers content null when there is no visible text', () => {
    const imageOnly: GenerateContentResponse = {
      candidates: [{ content: { role: 'model', parts: [imagePart] }, finishReason: 'STOP' }],
    };
    expect(chatCompletionFromCanonical([imageOnly], meta).choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      images: [{ type: 'image_url', image_url: { url: imageUrl } }],
    });
  });

  it('answers a blocked prompt with content_filter', () => {
    const blocked: GenerateContentResponse = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } };
    const reply = chatCompletionFromCanonical([blocked], meta);
    expect(reply.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' },
    ]);
  });

  for (const row of fixture.finishReasons) {
    it(`maps finishReason ${row.gemini} to ${row.openai}`, () => {
      expect(chatFinishReason(row.gemini)).toBe(row.openai);
    });
  }
});

describe('canonical stream chunks → chat.completion.chunk', () => {
  it('sends the role first and text in delta.content', () => {
    const chunk = chatCompletionChunk(
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Here' }] }, index: 0 }] },
      meta,
      { first: true },
    );
    expect(chunk).toEqual({
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: 1760000000,
      model: 'nano-banana-2',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Here' }, finish_reason: null }],
    });
  });

  it('sends images in delta.images and ends with finish_reason and usage', () => {
    const chunk = chatCompletionChunk(
      {
        candidates: [{ content: { role: 'model', parts: [imagePart] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: responses[0].usageMetadata,
      },
      meta,
      { includeUsage: true },
    );
    expect(chunk.choices[0]).toEqual({
      index: 0,
      delta: { images: [{ type: 'image_url', image_url: { url: imageUrl } }] },
      finish_reason: 'stop',
    });
    expect(chunk.usage).toEqual(chatUsageFromMetadata([responses[0].usageMetadata]));
  });

  it('leaves thought parts out of the delta', () => {
    const chunk = chatCompletionChunk(
      { candidates: [{ content: { parts: [{ text: 'hmm', thought: true }] } }] },
      meta,
    );
    expect(chunk.choices[0].delta).toEqual({});
  });

  it('frames chunks as SSE data lines and ends with [DONE]', () => {
    const usage = chatUsageFromMetadata([responses[0].usageMetadata]);
    const chunk = chatUsageChunk(usage, meta);
    expect(chunk.choices).toEqual([]);
    expect(Buffer.concat(formatChatStreamChunk(chunk)).toString()).toBe(`data: ${JSON.stringify(chunk)}\n\n`);
    expect(chatStreamDone).toBe('data: [DONE]\n\n');
  });
});
