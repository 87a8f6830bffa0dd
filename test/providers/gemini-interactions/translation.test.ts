// The pure halves of the Interactions provider: canonical request → Interaction body, and an
// Interaction → canonical answer, on the cases the wire fixtures do not reach.
import { describe, expect, it } from 'vitest';
import type { GenerateContentRequest } from '../../../src/canonical/types.js';
import { convertRequestToInteraction } from '../../../src/providers/gemini-interactions/convert-request.js';
import { interactionToResponse } from '../../../src/providers/gemini-interactions/parse-response.js';

const text = (value: string) => ({ role: 'user', parts: [{ text: value }] });

function convert(request: GenerateContentRequest) {
  return convertRequestToInteraction(request, { model: 'models/gemini-3.1-flash-image' });
}

function refusal(request: GenerateContentRequest): unknown {
  try {
    convert(request);
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('canonical request → Interaction body', () => {
  it('sends a bare prompt with no options as one user_input step, store false, model without models/', () => {
    expect(convert({ contents: [text('a cat')] })).toEqual({
      model: 'gemini-3.1-flash-image',
      input: [{ type: 'user_input', content: [{ type: 'text', text: 'a cat' }] }],
      store: false,
    });
  });

  it('asks for text and image when only imageConfig is given, as generateContent answers then', () => {
    const body = convert({
      contents: [text('a cat')],
      generationConfig: { imageConfig: { imageSize: '512' } },
    });
    expect(body.response_format).toEqual([{ type: 'text' }, { type: 'image', image_size: '512' }]);
  });

  it('maps thinkingConfig to thinking_level and thinking_summaries', () => {
    const body = convert({
      contents: [text('a cat')],
      generationConfig: { thinkingConfig: { thinkingLevel: 'HIGH', includeThoughts: true } },
    });
    expect(body.generation_config).toEqual({ thinking_level: 'high', thinking_summaries: 'auto' });
  });

  it('sends a file reference as an image block with its uri', () => {
    const body = convert({
      contents: [
        {
          role: 'user',
          parts: [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://files.example/a' } }],
        },
      ],
    });
    expect(body.input).toEqual([
      {
        type: 'user_input',
        content: [{ type: 'image', uri: 'https://files.example/a', mime_type: 'image/jpeg' }],
      },
    ]);
  });

  for (const [sentence, request, param] of [
    ['a top-level field it cannot send', { contents: [text('x')], cachedContent: 'c/1' }, 'cachedContent'],
    [
      'a system instruction that is not text',
      {
        contents: [text('x')],
        systemInstruction: { parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }] },
      },
      'systemInstruction.parts[0]',
    ],
    [
      'a turn whose role is neither user nor model',
      { contents: [{ role: 'function', parts: [] }] },
      'contents[0].role',
    ],
    [
      'an imageConfig key with no response_format field',
      { contents: [text('x')], generationConfig: { imageConfig: { personGeneration: 'ALLOW_ALL' } } },
      'generationConfig.imageConfig.personGeneration',
    ],
    [
      'a tool other than Google Search',
      { contents: [text('x')], tools: [{ codeExecution: {} }] },
      'tools[0].codeExecution',
    ],
  ] as Array<[string, GenerateContentRequest, string]>) {
    it(`refuses ${sentence} with a 400 naming it`, () => {
      expect(refusal(request)).toMatchObject({ errorClass: 'bad_request', httpStatus: 400, param });
    });
  }
});

describe('Interaction → canonical answer', () => {
  it('skips echoed input steps and maps usage without per-modality lists', () => {
    const response = interactionToResponse(
      {
        id: 'i1',
        status: 'completed',
        steps: [
          { type: 'user_input', content: [{ type: 'text', text: 'echoed' }] },
          { type: 'model_output', content: [{ type: 'text', text: 'answer' }] },
        ],
        usage: { total_input_tokens: 3, total_output_tokens: 4, total_tokens: 7 },
      },
      'c',
    );
    expect(response).toEqual({
      candidates: [
        { content: { role: 'model', parts: [{ text: 'answer' }] }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
      responseId: 'i1',
    });
  });

  it("fails by a model_output step's google.rpc.Status code: 429 is a rate limit on the key", () => {
    const step = {
      type: 'model_output',
      error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' },
    };
    expect(() => interactionToResponse({ status: 'completed', steps: [step] }, 'c')).toThrow(
      expect.objectContaining({ errorClass: 'rate_limited', httpStatus: 429 }),
    );
  });

  it('treats a cancelled interaction as the route failing and an unfinished one as a malformed answer', () => {
    expect(() => interactionToResponse({ status: 'cancelled' }, 'c')).toThrow(
      expect.objectContaining({ errorClass: 'upstream_bug' }),
    );
    expect(() => interactionToResponse({ status: 'in_progress' }, 'c')).toThrow(
      /not finished \(status "in_progress"\)/,
    );
  });
});
