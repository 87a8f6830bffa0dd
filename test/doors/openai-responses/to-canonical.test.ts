// Responses request → canonical request, on fixtures: input shapes, system text, earlier image calls,
// the image tool's options, and the 400s that name the client's field.
import { describe, expect, it } from 'vitest';
import { openAiImageOptionsOf } from '../../../src/canonical/openai-image-options.js';
import type { Content } from '../../../src/canonical/types.js';
import { caught } from '../../helpers/errors.js';
import { gptImage, pngBase64, pngDataUrl, tool, translate } from './translate-fixtures.js';

describe('Responses input → canonical contents', () => {
  it('turns a string input into one user turn with the image and text modalities', () => {
    const result = translate({ input: 'a red circle', tools: [tool] });
    expect(result.request.contents).toEqual([{ role: 'user', parts: [{ text: 'a red circle' }] }]);
    expect(result.request.generationConfig?.responseModalities).toEqual(['TEXT', 'IMAGE']);
    expect(result.prompt).toBe('a red circle');
    expect(result.turnInput).toEqual(result.request.contents);
  });

  it('asks for text only when no image tool is given or tool_choice is none', () => {
    expect(translate({ input: 'hello' }).request.generationConfig?.responseModalities).toEqual(['TEXT']);
    const none = translate({ input: 'hello', tools: [tool], tool_choice: 'none' });
    expect(none.request.generationConfig?.responseModalities).toEqual(['TEXT']);
    expect(none.image).toBeUndefined();
  });

  it('keeps input_text and a data-URL input_image as text and inline data, an https image as a file URI', () => {
    const result = translate({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'blend these' },
            { type: 'input_image', image_url: pngDataUrl, detail: 'auto' },
            { type: 'input_image', image_url: 'https://images.example/cat.png' },
          ],
        },
      ],
      tools: [tool],
    });
    expect(result.request.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'blend these' },
          { inlineData: { mimeType: 'image/png', data: pngBase64 } },
          { fileData: { fileUri: 'https://images.example/cat.png' } },
        ],
      },
    ]);
    expect(result.paramOf(0, 2)).toBe('input[0].content[2].image_url');
  });

  it('sends instructions, system and developer messages as the systemInstruction', () => {
    const result = translate({
      instructions: 'Be brief.',
      input: [
        { role: 'system', content: 'You draw posters.' },
        { role: 'developer', content: [{ type: 'input_text', text: 'Use flat colours.' }] },
        { role: 'user', content: 'a poster of a lighthouse' },
      ],
      tools: [tool],
    });
    expect(result.request.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'You draw posters.' }, { text: 'Use flat colours.' }],
    });
    expect(result.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a poster of a lighthouse' }] },
    ]);
  });

  it('stores this turn’s system and developer messages for later turns, but not instructions', () => {
    const first = translate({
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use flat colours.' },
        { role: 'user', content: 'a lighthouse' },
      ],
      tools: [tool],
    });
    expect(first.turnInput).toEqual([
      { role: 'system', parts: [{ text: 'Use flat colours.' }] },
      { role: 'user', parts: [{ text: 'a lighthouse' }] },
    ]);
    const second = translate(
      { instructions: 'Answer in French.', input: 'now at night', tools: [tool] },
      { history: first.turnInput },
    );
    expect(second.request.systemInstruction).toEqual({
      parts: [{ text: 'Answer in French.' }, { text: 'Use flat colours.' }],
    });
    expect(second.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a lighthouse' }] },
      { role: 'user', parts: [{ text: 'now at night' }] },
    ]);
    expect(second.paramOf(1, 0)).toBe('input');
  });

  it('makes earlier image_generation_call items and assistant text one model turn between user turns', () => {
    const result = translate({
      input: [
        { role: 'user', content: 'a red circle' },
        { type: 'image_generation_call', id: 'ig_1', status: 'completed', result: pngBase64 },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Here it is.' }] },
        { role: 'user', content: 'make it blue' },
      ],
      tools: [tool],
    });
    expect(result.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a red circle' }] },
      {
        role: 'model',
        parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }, { text: 'Here it is.' }],
      },
      { role: 'user', parts: [{ text: 'make it blue' }] },
    ]);
    expect(result.prompt).toBe('make it blue');
  });

  it('puts the stored history before this turn and maps paramOf past it', () => {
    const history: Content[] = [
      { role: 'user', parts: [{ text: 'a red circle' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }] },
    ];
    const result = translate(
      {
        input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x.example/a.png' }] }],
        tools: [tool],
      },
      { history },
    );
    expect(result.request.contents.slice(0, 2)).toEqual(history);
    expect(result.paramOf(2, 0)).toBe('input[0].content[0].image_url');
    expect(result.turnInput).toHaveLength(1);
  });

  it.each([
    [
      'a function_call item',
      { input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }] },
      'input[0].type',
      'unsupported_value',
    ],
    [
      'an item_reference',
      {
        input: [
          { role: 'user', content: 'x' },
          { type: 'item_reference', id: 'msg_1' },
        ],
      },
      'input[1].type',
      'unsupported_value',
    ],
    [
      'an input_image by file_id',
      { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-abc' }] }] },
      'input[0].content[0].file_id',
      'unsupported_value',
    ],
    [
      'an input_image with neither url nor file',
      { input: [{ role: 'user', content: [{ type: 'input_image' }] }] },
      'input[0].content[0].image_url',
      'missing_required_parameter',
    ],
    [
      'an input_file',
      { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] },
      'input[0].content[0].type',
      'unsupported_value',
    ],
    [
      'an image URL that is neither https nor data',
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'ftp://x/y.png' }] }] },
      'input[0].content[0].image_url',
      'invalid_image_url',
    ],
    [
      'no user message at all',
      { input: [{ role: 'system', content: 'be nice' }] },
      'input',
      'missing_required_parameter',
    ],
    ['an empty string input', { input: '' }, 'input', 'missing_required_parameter'],
    ['no input', {}, 'input', 'missing_required_parameter'],
  ])('rejects %s with a 400 naming the field', (_name, body, param, code) => {
    const error = caught(() => translate({ ...body, tools: [tool] }));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
  });
});

describe('the image tool’s options', () => {
  it('adds the mask after the last user turn’s image and keeps it out of the stored turn', () => {
    const result = translate(
      {
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'fill the hole' },
              { type: 'input_image', image_url: pngDataUrl },
            ],
          },
        ],
        tools: [{ ...tool, input_image_mask: { image_url: pngDataUrl } }],
      },
      { model: gptImage },
    );
    const parts = result.request.contents[0].parts ?? [];
    expect(parts).toHaveLength(4);
    expect(parts[2].text).toMatch(/edit mask/);
    expect(parts[3].inlineData?.mimeType).toBe('image/png');
    expect(result.turnInput[0].parts).toHaveLength(2);
    expect(result.paramOf(0, 3)).toBe('tools[0].input_image_mask.image_url');
  });

  it('rejects a mask without an image, and a mask by file id', () => {
    const alone = caught(() =>
      translate({ input: 'x', tools: [{ ...tool, input_image_mask: { image_url: pngDataUrl } }] }),
    );
    expect(alone.param).toBe('tools[0].input_image_mask');
    const byFile = caught(() =>
      translate({
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_image', image_url: pngDataUrl },
              { type: 'input_text', text: 'x' },
            ],
          },
        ],
        tools: [{ ...tool, input_image_mask: { file_id: 'file-1' } }],
      }),
    );
    expect(byFile.param).toBe('tools[0].input_image_mask.file_id');
  });

  it('rejects action edit when the conversation holds no image', () => {
    const error = caught(() => translate({ input: 'make it blue', tools: [{ ...tool, action: 'edit' }] }));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe('tools[0].action');
  });

  it('accepts action edit when the image is in the history', () => {
    const history: Content[] = [
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }] },
    ];
    expect(() =>
      translate({ input: 'make it blue', tools: [{ ...tool, action: 'edit' }] }, { history }),
    ).not.toThrow();
  });

  it('drops the history’s images but keeps its text for action generate', () => {
    const history: Content[] = [
      { role: 'user', parts: [{ text: 'a red circle' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }] },
      {
        role: 'model',
        parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }, { text: 'done' }],
      },
    ];
    const result = translate(
      { input: 'now a square', tools: [{ ...tool, action: 'generate' }] },
      { history },
    );
    expect(result.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a red circle' }] },
      { role: 'model', parts: [{ text: 'done' }] },
      { role: 'user', parts: [{ text: 'now a square' }] },
    ]);
  });

  it('attaches the gpt-image options, partial_images only when streaming', () => {
    const body = {
      input: 'a cat',
      tools: [
        {
          ...tool,
          quality: 'high',
          background: 'transparent',
          output_format: 'webp',
          output_compression: 50,
          moderation: 'low',
          input_fidelity: 'high',
          size: '1024x1536',
          partial_images: 2,
        },
      ],
    };
    const whole = translate(body, { model: gptImage });
    expect(openAiImageOptionsOf(whole.request)).toEqual({
      size: '1024x1536',
      quality: 'high',
      background: 'transparent',
      output_format: 'webp',
      output_compression: 50,
      moderation: 'low',
      input_fidelity: 'high',
    });
    expect(whole.image?.partialImages).toBe(0);
    const streamed = translate(body, { model: gptImage, stream: true });
    expect(openAiImageOptionsOf(streamed.request)?.partial_images).toBe(2);
    expect(streamed.image?.partialImages).toBe(2);
    // The options ride on a symbol: a Gemini upstream's JSON never carries them.
    expect(JSON.stringify(whole.request)).not.toContain('transparent');
  });

  it('maps size to the nearest aspect ratio and image size, and quality alone to an image size', () => {
    const sized = translate({ input: 'a cat', tools: [{ ...tool, size: '1536x1024' }] });
    expect(sized.request.generationConfig?.imageConfig).toEqual({ aspectRatio: '3:2', imageSize: '2K' });
    const byQuality = translate({ input: 'a cat', tools: [{ ...tool, quality: 'low' }] });
    expect(byQuality.request.generationConfig?.imageConfig?.aspectRatio).toBeUndefined();
    expect(byQuality.image?.imageSize).toBe(byQuality.request.generationConfig?.imageConfig?.imageSize);
  });

  it.each([
    ['transparent background on Gemini', { background: 'transparent' }, 'tools[0].background'],
    ['input_fidelity on Gemini', { input_fidelity: 'high' }, 'tools[0].input_fidelity'],
  ])('rejects %s naming the tool field', (_name, options, param) => {
    const error = caught(() => translate({ input: 'a cat', tools: [{ ...tool, ...options }] }));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe(param);
  });

  it('rejects transparent jpeg on any model', () => {
    const error = caught(() =>
      translate(
        { input: 'a cat', tools: [{ ...tool, background: 'transparent', output_format: 'jpeg' }] },
        { model: gptImage },
      ),
    );
    expect(error.param).toBe('tools[0].background');
  });

  it('requires an image for tool_choice required or the image tool by name', () => {
    expect(translate({ input: 'x', tools: [tool], tool_choice: 'required' }).imageRequired).toBe(true);
    expect(
      translate({ input: 'x', tools: [tool], tool_choice: { type: 'image_generation' } }).imageRequired,
    ).toBe(true);
    expect(translate({ input: 'x', tools: [tool] }).imageRequired).toBe(false);
  });

  it('passes max_output_tokens, temperature and top_p to the generation config', () => {
    const config = translate({
      input: 'x',
      tools: [tool],
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
    }).request.generationConfig;
    expect(config).toMatchObject({ maxOutputTokens: 100, temperature: 0.5, topP: 0.9 });
  });
});
