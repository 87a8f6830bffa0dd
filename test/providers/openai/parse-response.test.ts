import { shouldFailOver } from '../../../src/routing/failover-policy.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import { openAiErrorToGatewayError, retryAfterSeconds } from '../../../src/providers/openai/errors.js';
import { finishReasonForChat } from '../../../src/providers/openai/map-finish-reason.js';
import {
  parseOpenAiImagesResponse,
  parseOpenAiImagesStreamEvent,
} from '../../../src/providers/openai/parse-response.js';

interface Fixture {
  response: Record<string, unknown>;
  expected: unknown;
  errors: {
    name: string;
    status: number;
    body: unknown;
    errorClass: string;
    failsOver: boolean;
    param?: string;
  }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/openai-provider-responses.json', import.meta.url), 'utf8'),
);
const options = { modelVersion: 'gpt-image-2', responseId: 'resp-1' };
const png = (fixture.response.data as { b64_json: string }[])[0].b64_json;

describe('OpenAI Images reply → canonical response', () => {
  it('makes one candidate per image with inlineData, revised_prompt as text, usage by modality', () => {
    expect(parseOpenAiImagesResponse(fixture.response, options)).toEqual(fixture.expected);
  });

  it('answers an empty data list with a NO_IMAGE candidate', () => {
    const parsed = parseOpenAiImagesResponse({ created: 1, data: [] }, options);
    expect(parsed.candidates?.[0].finishReason).toBe('NO_IMAGE');
  });

  it('throws an upstream_bug error on a body that is not an images reply', () => {
    expect(() => parseOpenAiImagesResponse({ data: 'nope' }, options)).toThrow(GatewayError);
  });

  it('turns a partial image event into a thought image part', () => {
    const chunk = parseOpenAiImagesStreamEvent(
      { type: 'image_generation.partial_image', b64_json: png, partial_image_index: 0, output_format: 'png' },
      options,
    );
    expect(chunk.candidates?.[0].content?.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: png }, thought: true },
    ]);
    expect(chunk.candidates?.[0].finishReason).toBeUndefined();
  });

  it('turns a completed event into the final image with STOP and usage', () => {
    const chunk = parseOpenAiImagesStreamEvent(
      { type: 'image_edit.completed', b64_json: png, output_format: 'png', usage: fixture.response.usage },
      options,
    );
    expect(chunk.candidates?.[0]).toEqual({
      content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] },
      finishReason: 'STOP',
      index: 0,
    });
    expect(chunk.usageMetadata).toEqual((fixture.expected as { usageMetadata: unknown }).usageMetadata);
  });

  it('maps chat finish reasons of openai-compatible upstreams', () => {
    expect(finishReasonForChat('stop')).toBe('STOP');
    expect(finishReasonForChat('length')).toBe('MAX_TOKENS');
    expect(finishReasonForChat('content_filter')).toBe('SAFETY');
  });
});

describe('OpenAI error reply → GatewayError', () => {
  for (const row of fixture.errors) {
    it(row.name, () => {
      const error = openAiErrorToGatewayError('main', row.status, row.body);
      expect(error.errorClass).toBe(row.errorClass);
      expect(shouldFailOver(error)).toBe(row.failsOver);
      if (row.param) expect(error.param).toBe(row.param);
      expect(error.message.length).toBeGreaterThan(0);
    });
  }

  it('reads Retry-After as seconds or as a date', () => {
    expect(openAiErrorToGatewayError('main', 429, {}, '20').retryAfterSeconds).toBe(20);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:30 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(30);
  });

  it('throws the mapped error when a 200 body carries an error', () => {
    expect(() =>
      parseOpenAiImagesResponse({ error: { message: 'blocked', code: 'moderation_blocked' } }, options),
    ).toThrow(expect.objectContaining({ errorClass: 'safety' }));
  });
});
