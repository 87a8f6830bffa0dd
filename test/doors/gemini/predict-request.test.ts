import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/canonical/errors.js';
import { predictRequestToCanonical } from '../../../src/doors/gemini/predict-request.js';

const instances = [{ prompt: 'a red circle' }];

function fieldOf(body: unknown): string | undefined {
  try {
    predictRequestToCanonical(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).httpStatus).toBe(400);
    return (error as GatewayError).param;
  }
  throw new Error('expected a 400');
}

describe('predictRequestToCanonical', () => {
  it('maps the AI SDK body onto one image request and one call', () => {
    const mapped = predictRequestToCanonical({
      instances,
      parameters: { sampleCount: 1, aspectRatio: '1:1' },
    });
    expect(mapped.count).toBe(1);
    expect(mapped.format).toBe('png');
    expect(mapped.request).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a red circle' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '1:1' } },
    });
  });

  it('maps sampleImageSize to imageSize and seed to the generation seed', () => {
    const mapped = predictRequestToCanonical({ instances, parameters: { sampleImageSize: '2K', seed: 7 } });
    expect(mapped.request.generationConfig).toEqual({
      responseModalities: ['IMAGE'],
      imageConfig: { imageSize: '2K' },
      seed: 7,
    });
  });

  it('takes JPEG output with Imagen default quality 75', () => {
    const mapped = predictRequestToCanonical({
      instances,
      parameters: { outputOptions: { mimeType: 'image/jpeg' } },
    });
    expect([mapped.format, mapped.compression]).toEqual(['jpeg', 75]);
  });

  it('accepts the parameters that change nothing on a Gemini model', () => {
    const mapped = predictRequestToCanonical({
      instances,
      parameters: {
        personGeneration: 'allow_adult',
        addWatermark: true,
        enhancePrompt: false,
        includeRaiReason: true,
      },
    });
    expect(mapped.count).toBe(1);
  });

  it.each([
    [{ instances: [] }, 'instances'],
    [{ instances: [{ prompt: 'a' }, { prompt: 'b' }] }, 'instances'],
    [{ instances: [{ prompt: '' }] }, 'instances[0].prompt'],
    [{ instances: [{ prompt: 'a', image: {} }] }, 'instances[0].image'],
    [{ instances, parameters: { negativePrompt: 'x' } }, 'parameters.negativePrompt'],
    [{ instances, parameters: { sampleCount: 0 } }, 'parameters.sampleCount'],
    [{ instances, parameters: { sampleCount: 2.5 } }, 'parameters.sampleCount'],
    [{ instances, parameters: { personGeneration: 'dont_allow' } }, 'parameters.personGeneration'],
    [{ instances, parameters: { addWatermark: false } }, 'parameters.addWatermark'],
    [
      { instances, parameters: { outputOptions: { mimeType: 'image/webp' } } },
      'parameters.outputOptions.mimeType',
    ],
    [
      { instances, parameters: { outputOptions: { compressionQuality: 101 } } },
      'parameters.outputOptions.compressionQuality',
    ],
    [{ instances, parameters: { safetyFilterLevel: 'block_none' } }, 'parameters.safetyFilterLevel'],
  ])('refuses %j naming %s', (body, field) => {
    expect(fieldOf(body)).toBe(field);
  });
});
