// Responses request → canonical request at the edges: the body schema's limits, long
// conversations against the model's image limit, and the field names of this turn's images.
import { describe, expect, it } from 'vitest';
import type { Content } from '../../../src/canonical/types.js';
import { parseImageGenerationTool, parseResponsesBody } from '../../../src/doors/openai-responses/schema.js';
import { caught } from '../../helpers/errors.js';
import { gemini, gptImage, pngBase64, pngDataUrl, tool, translate } from './translate-fixtures.js';

describe('the body schema', () => {
  it('rejects metadata with 17 keys, naming metadata', () => {
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    const error = caught(() => parseResponsesBody({ input: 'x', metadata }));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe('metadata');
  });

  it('rejects partial_images above 3 naming the tool field', () => {
    const error = caught(() => parseImageGenerationTool({ type: 'image_generation', partial_images: 4 }, 2));
    expect(error.param).toBe('tools[2].partial_images');
  });
});

describe('a long conversation', () => {
  const image = { inlineData: { mimeType: 'image/png', data: pngBase64 } };
  const history: Content[] = Array.from({ length: 20 }, (_, index) => [
    { role: 'user', parts: [{ text: `turn ${index}` }] },
    { role: 'model', parts: [image, { text: `answer ${index}` }] },
  ]).flat() as Content[];
  const limited = { ...gemini, capabilities: { ...gemini.capabilities, maxInputImages: 14 } };

  it('leaves out the oldest images beyond what the model accepts, keeping every turn’s text', () => {
    const result = translate(
      {
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'blend' },
              { type: 'input_image', image_url: pngDataUrl },
            ],
          },
        ],
        tools: [tool],
      },
      { history, model: limited },
    );
    const contents = result.request.contents;
    const images = contents.flatMap((content) => content.parts ?? []).filter((part) => part.inlineData);
    // 13 from the history and this turn's own.
    expect(images).toHaveLength(14);
    expect(contents.slice(0, 2)).toEqual([
      { role: 'user', parts: [{ text: 'turn 0' }] },
      { role: 'model', parts: [{ text: 'answer 0' }] },
    ]);
    expect(contents[39].parts?.[0]).toEqual(image);
    expect(contents.filter((content) => content.role === 'user')).toHaveLength(21);
    expect(result.paramOf(40, 1)).toBe('input[0].content[1].image_url');
  });

  it('joins the user turns around a model turn that only held an image it left out', () => {
    const imageOnly: Content[] = [
      { role: 'user', parts: [{ text: 'a' }] },
      { role: 'model', parts: [image] },
      { role: 'user', parts: [{ text: 'b' }] },
      { role: 'model', parts: [image] },
    ];
    const model = { ...limited, capabilities: { ...limited.capabilities, maxInputImages: 1 } };
    const result = translate({ input: 'c', tools: [tool] }, { history: imageOnly, model });
    expect(result.request.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [image] },
      { role: 'user', parts: [{ text: 'c' }] },
    ]);
    expect(result.paramOf(2, 0)).toBe('input');
  });

  it('keeps every image when the model accepts them all', () => {
    const result = translate(
      { input: 'again', tools: [tool] },
      { history, model: { ...limited, capabilities: { ...limited.capabilities, maxInputImages: 30 } } },
    );
    expect(
      result.request.contents.flatMap((content) => content.parts ?? []).filter((part) => part.inlineData),
    ).toHaveLength(20);
  });
});

describe('previous_response_id', () => {
  it.each([
    ['10 KB long', `resp_${'a'.repeat(10 * 1024)}`],
    ['with HTML', 'resp_<script>alert(1)</script>'],
    ['without the resp_ prefix', 'msg_0123456789abcdef'],
    ['with a right-to-left mark', 'resp_\u202Eevil'],
  ])('refuses an id %s with a 400 that does not echo it', (_name, id) => {
    const error = caught(() => parseResponsesBody({ input: 'x', previous_response_id: id }));
    expect(error.httpStatus).toBe(400);
    expect(error.param).toBe('previous_response_id');
    expect(error.message).not.toContain(id.slice(5, 20));
  });

  it('accepts the ids this door makes', () => {
    expect(
      parseResponsesBody({ input: 'x', previous_response_id: 'resp_019ae3f0c2a47b1e8d5f6a7b8c9d0e1f' })
        .previous_response_id,
    ).toMatch(/^resp_/);
  });
});

describe('image param names', () => {
  it('maps the inspection’s canonical paths of this turn’s images to the client’s fields', () => {
    const history: Content[] = [
      { role: 'user', parts: [{ text: 'a' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: pngBase64 } }] },
    ];
    const result = translate(
      {
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'blend' },
              { type: 'input_image', image_url: pngDataUrl },
              { type: 'input_image', image_url: 'https://images.example/b.png' },
            ],
          },
        ],
        tools: [{ ...tool, input_image_mask: { image_url: pngDataUrl } }],
      },
      { history, model: gptImage },
    );
    expect(result.imageParamNames).toMatchObject({
      'contents[2].parts[1].inlineData.data': 'input[0].content[1].image_url',
      'contents[2].parts[2].fileData.fileUri': 'input[0].content[2].image_url',
      'contents[2].parts[2].inlineData.data': 'input[0].content[2].image_url',
      'contents[2].parts[4].inlineData.data': 'tools[0].input_image_mask.image_url',
    });
    expect(Object.keys(result.imageParamNames).some((path) => path.startsWith('contents[1]'))).toBe(false);
  });
});
