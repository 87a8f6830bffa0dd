// Interactions request bodies as `@google/genai` 2.x sends them → the canonical request, and the
// 400s (with the field at fault) for what image models cannot take.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import type { Content } from '../../../src/canonical/types.js';
import { parseInteractionBody } from '../../../src/doors/gemini-interactions/schema.js';
import { interactionRequestToCanonical } from '../../../src/doors/gemini-interactions/to-canonical.js';

const png =
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEklEQVQImWP4z8AARwjWfwYGAG+qB/l/O6VpAAAAAElFTkSuQmCC';
const model = 'gemini-3.1-flash-image';

function translate(body: Record<string, unknown>, history: Content[] = []) {
  return interactionRequestToCanonical(parseInteractionBody({ model, ...body }), history);
}

function rejection(body: Record<string, unknown>): { status: number; param?: string; message: string } {
  try {
    translate(body);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return { status: error.httpStatus, param: error.param, message: error.message };
  }
  throw new Error('the body was accepted');
}

describe('every form of input becomes the user turn', () => {
  it('takes a string as one user text turn', () => {
    expect(translate({ input: 'a red square' }).request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a red square' }] },
    ]);
  });

  it('takes one content block as the whole turn', () => {
    const { request } = translate({ input: { type: 'image', data: png, mime_type: 'image/png' } });
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] },
    ]);
  });

  it('takes a content list as one user turn, in the order sent', () => {
    const { request } = translate({
      input: [
        { type: 'image', data: png, mime_type: 'image/png' },
        { type: 'text', text: 'make the corner blue' },
      ],
    });
    expect(request.contents).toEqual([
      {
        role: 'user',
        parts: [{ inlineData: { mimeType: 'image/png', data: png } }, { text: 'make the corner blue' }],
      },
    ]);
  });

  it('takes steps as a whole conversation and leaves thought steps out', () => {
    const { request, turnInput } = translate({
      input: [
        { type: 'user_input', content: [{ type: 'text', text: 'a red square' }] },
        { type: 'thought', signature: 'sig', summary: [{ type: 'text', text: 'drawing' }] },
        { type: 'model_output', content: [{ type: 'image', data: png, mime_type: 'image/png' }] },
        { type: 'user_input', content: 'now make it blue' },
      ],
    });
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a red square' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] },
      { role: 'user', parts: [{ text: 'now make it blue' }] },
    ]);
    expect(turnInput).toEqual(request.contents);
  });

  it('takes the role turns of the schema before May 2026', () => {
    const { request } = translate({
      input: [
        { role: 'user', content: 'a red square' },
        { role: 'model', content: [{ type: 'image', data: png, mime_type: 'image/png' }] },
        { role: 'user', content: [{ type: 'text', text: 'now make it blue' }] },
      ],
    });
    expect(request.contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(request.contents[2].parts).toEqual([{ text: 'now make it blue' }]);
  });

  it('joins consecutive steps of one role into one turn', () => {
    const { request } = translate({
      input: [
        { type: 'user_input', content: [{ type: 'text', text: 'edit this' }] },
        { type: 'user_input', content: [{ type: 'image', data: png }] },
      ],
    });
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ text: 'edit this' }, { inlineData: { mimeType: 'image/png', data: png } }] },
    ]);
  });

  it('puts stored history before this turn and keeps the system instruction apart', () => {
    const history: Content[] = [
      { role: 'user', parts: [{ text: 'a red square' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] },
    ];
    const { request, turnInput, paramOf } = translate(
      {
        input: [
          { type: 'text', text: 'blue now' },
          { type: 'image', uri: 'https://example.com/a.png' },
        ],
        system_instruction: 'be brief',
      },
      history,
    );
    expect(request.contents).toEqual([...history, turnInput[0]]);
    expect(request.systemInstruction).toEqual({ parts: [{ text: 'be brief' }] });
    expect(paramOf(2, 1)).toBe('input[1]');
  });

  it('refuses content blocks mixed with steps', () => {
    expect(
      rejection({
        input: [
          { type: 'text', text: 'hi' },
          { type: 'user_input', content: 'hi' },
        ],
      }),
    ).toMatchObject({ status: 400, param: 'input' });
  });

  it('refuses an input without a user turn', () => {
    expect(rejection({})).toMatchObject({ status: 400, param: 'input' });
    expect(rejection({ input: '' })).toMatchObject({ status: 400, param: 'input' });
    expect(
      rejection({ input: [{ type: 'model_output', content: [{ type: 'text', text: 'hello' }] }] }),
    ).toMatchObject({ status: 400, param: 'input' });
  });

  it('refuses a role other than user or model, naming it', () => {
    expect(rejection({ input: [{ role: 'system', content: 'x' }] })).toMatchObject({
      status: 400,
      param: 'input[0].role',
    });
  });
});

describe('image blocks', () => {
  it('keeps base64 data without its line breaks and defaults the type to PNG', () => {
    const { request } = translate({
      input: [{ type: 'image', data: `${png.slice(0, 20)}\n${png.slice(20)}` }],
    });
    expect(request.contents[0].parts).toEqual([{ inlineData: { mimeType: 'image/png', data: png } }]);
  });

  it('passes an https uri on as file data for the gateway to fetch', () => {
    const { request, paramOf } = translate({
      input: [
        { type: 'text', text: 'x' },
        { type: 'image', uri: 'https://example.com/a.jpg', mime_type: 'image/jpeg' },
      ],
    });
    expect(request.contents[0].parts?.[1]).toEqual({
      fileData: { fileUri: 'https://example.com/a.jpg', mimeType: 'image/jpeg' },
    });
    expect(paramOf(0, 1)).toBe('input[1]');
  });

  it('refuses bad base64 and a data: URL, naming the block', () => {
    expect(
      rejection({
        input: [
          { type: 'text', text: 'x' },
          { type: 'image', data: 'not base64!' },
        ],
      }),
    ).toMatchObject({ status: 400, param: 'input[1].data' });
    expect(
      rejection({
        input: [{ type: 'user_input', content: [{ type: 'image', data: `data:image/png;base64,${png}` }] }],
      }),
    ).toMatchObject({ status: 400, param: 'input[0].content[0].data' });
  });

  it('refuses a block whose fields are not strings, naming the field, in a list or in a step', () => {
    expect(
      rejection({
        input: [
          { type: 'text', text: 'x' },
          { type: 'image', data: 5 },
        ],
      }),
    ).toMatchObject({
      status: 400,
      param: 'input[1].data',
    });
    expect(rejection({ input: [{ type: 'text', text: 5 }] })).toMatchObject({
      status: 400,
      param: 'input[0].text',
    });
    expect(
      rejection({ input: [{ type: 'user_input', content: [{ type: 'image', data: png, mime_type: 7 }] }] }),
    ).toMatchObject({ status: 400, param: 'input[0].content[0].mime_type' });
    expect(rejection({ input: [{ type: 'user_input', content: 42 }] })).toMatchObject({
      status: 400,
      param: 'input[0].content',
    });
  });

  it('names a single content block as `input`, not as an element of a list', () => {
    expect(rejection({ input: { type: 'image', data: 'not base64!' } })).toMatchObject({
      status: 400,
      param: 'input.data',
    });
  });

  it('refuses Files API and gs:// uris, and a block with neither data nor uri', () => {
    expect(rejection({ input: [{ type: 'image', uri: 'gs://bucket/a.png' }] })).toMatchObject({
      status: 400,
      param: 'input[0].uri',
    });
    expect(rejection({ input: [{ type: 'image', mime_type: 'image/png' }] })).toMatchObject({
      status: 400,
      param: 'input[0].data',
    });
  });
});

describe('what image models cannot take', () => {
  it('refuses audio, document and video content, naming the block', () => {
    for (const type of ['audio', 'document', 'video']) {
      expect(
        rejection({
          input: [
            { type: 'text', text: 'x' },
            { type, data: png },
          ],
        }),
      ).toMatchObject({
        status: 400,
        param: 'input[1].type',
      });
    }
    expect(
      rejection({ input: [{ type: 'user_input', content: [{ type: 'audio', data: png }] }] }),
    ).toMatchObject({ param: 'input[0].content[0].type' });
  });

  it('refuses tool steps, naming the step', () => {
    expect(
      rejection({
        input: [
          { type: 'user_input', content: 'x' },
          { type: 'function_call', name: 'f' },
        ],
      }),
    ).toMatchObject({ status: 400, param: 'input[1].type' });
  });

  it('turns google_search into grounding and refuses other tools, naming the tool', () => {
    expect(translate({ input: 'x', tools: [{ type: 'google_search' }] }).request.tools).toEqual([
      { googleSearch: {} },
    ]);
    expect(
      rejection({ input: 'x', tools: [{ type: 'google_search' }, { type: 'code_execution' }] }),
    ).toMatchObject({
      status: 400,
      param: 'tools[1].type',
    });
  });

  it('refuses an output modality image models do not make', () => {
    expect(rejection({ input: 'x', response_modalities: ['audio'] })).toMatchObject({
      status: 400,
      param: 'response_modalities[0]',
    });
    expect(rejection({ input: 'x', response_format: [{ type: 'image' }, { type: 'audio' }] })).toMatchObject({
      status: 400,
      param: 'response_format[1].type',
    });
  });

  it('refuses a response_format image type other than PNG, JPEG or WebP', () => {
    expect(
      rejection({ input: 'x', response_format: { type: 'image', mime_type: 'image/gif' } }),
    ).toMatchObject({
      status: 400,
      param: 'response_format.mime_type',
    });
  });

  it('names the schema field of a malformed body', () => {
    expect(rejection({ input: 'x', generation_config: { thinking_level: 'huge' } })).toMatchObject({
      status: 400,
      param: 'generation_config.thinking_level',
    });
  });
});

describe('output settings', () => {
  it('reads response_format over the deprecated image_config', () => {
    const { request, outputMimeType } = translate({
      input: 'x',
      response_format: { type: 'image', aspect_ratio: '16:9', image_size: '2k', mime_type: 'image/jpeg' },
      generation_config: { image_config: { aspect_ratio: '1:1', image_size: '1K' } },
    });
    expect(request.generationConfig).toEqual({
      responseModalities: ['IMAGE'],
      imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
    });
    expect(outputMimeType).toBe('image/jpeg');
  });

  it('falls back to image_config field by field, and says which field each setting came from', () => {
    const { request, imageFields } = translate({
      input: 'x',
      response_format: { type: 'image', aspect_ratio: '4:3' },
      generation_config: { image_config: { aspect_ratio: '1:1', image_size: '512' } },
    });
    expect(request.generationConfig?.imageConfig).toEqual({ aspectRatio: '4:3', imageSize: '512' });
    expect(imageFields).toEqual({
      'generationConfig.imageConfig.aspectRatio': 'response_format.aspect_ratio',
      'generationConfig.imageConfig.imageSize': 'generation_config.image_config.image_size',
    });
  });

  it('makes a response_format list the modalities, text before image', () => {
    const { request } = translate({ input: 'x', response_format: [{ type: 'image' }, { type: 'text' }] });
    expect(request.generationConfig?.responseModalities).toEqual(['TEXT', 'IMAGE']);
  });

  it('reads the lowercase response_modalities and lets response_format win over them', () => {
    expect(translate({ input: 'x', response_modalities: ['image'] }).request.generationConfig).toEqual({
      responseModalities: ['IMAGE'],
    });
    const both = translate({ input: 'x', response_modalities: ['text'], response_format: { type: 'image' } });
    expect(both.request.generationConfig?.responseModalities).toEqual(['IMAGE']);
  });

  it('carries the generation settings in Gemini names', () => {
    const { request } = translate({
      input: 'x',
      generation_config: {
        max_output_tokens: 4096,
        seed: 7,
        stop_sequences: ['END'],
        temperature: 0.5,
        top_p: 0.9,
        thinking_level: 'high',
      },
      safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    });
    expect(request.generationConfig).toEqual({
      maxOutputTokens: 4096,
      seed: 7,
      stopSequences: ['END'],
      temperature: 0.5,
      topP: 0.9,
      thinkingConfig: { thinkingLevel: 'HIGH' },
    });
    expect(request.safetySettings).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
    ]);
  });

  it('sends no generation config when none was asked for', () => {
    expect(translate({ input: 'x' }).request.generationConfig).toBeUndefined();
  });
});
